"""Reports: builders collect plain data; renderers turn it into table, md, csv, json, pdf."""

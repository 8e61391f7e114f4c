"""The only package that talks to git: pygit2 for reads, the git executable for writes."""

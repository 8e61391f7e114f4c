"""The history walk of ``techxfer verify``: order, the state before each commit, which rules run."""

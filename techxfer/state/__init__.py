"""One state of a repository (commit, index or working tree), its configuration and caches."""

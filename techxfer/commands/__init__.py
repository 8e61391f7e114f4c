"""What the commands do, as library functions: checked with rules/ first, then one signed commit."""

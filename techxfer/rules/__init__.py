"""The rules, each written once: called by the audit, the hooks and the commands alike."""

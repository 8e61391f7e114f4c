"""Signature verification of bytes (SSHSIG in-process, OpenPGP through gpg); raises, never judges."""

"""Local hosts: terminal chat, Flask shim, speaker, offline listening."""

"""The laptop's command line, ``python -m skill.local <command>``: a thin dispatcher to the hosts
(``skill.web``, ``skill.cli``) and the voice (``skill.voice``); it holds no host code itself."""

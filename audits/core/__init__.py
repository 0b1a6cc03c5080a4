"""What every signal shares: the fetch records it reads (``evidence``), findings and their
codes (``findings``), uses and verdicts (``uses``), path patterns (``pathmatch``), the AI agent
registry (``agents``), ``Link`` headers (``http_link``) and the signal interface
(``signal``). Nothing here knows any one signal."""

"""Understanding what a person said, the same way on every path: the red-flag screen first, then
the intent matcher and the question ranker. Pure Python: no SDK, Flask or audio imports."""

"""`feoc serve`: the verdicts of `feoc check` over HTTP (issue 19), for systems and people who ask all day.

`app.py` builds the ASGI app (`create_app`) over a `state.ServeState` (the law and the dataset loaded once,
reloaded when their files change); `api.py` holds the JSON routes, `answers.py` turns a question into the
verdict and the bytes `feoc check --format json` prints, `problems.py` writes every error as RFC 9457
problem details, `limits.py` the limits. Imported only by `feoc serve`: `feoc check` never loads FastAPI.
"""

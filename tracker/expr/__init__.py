"""The expression language: the Jinja sandbox (reference) and the compiler."""

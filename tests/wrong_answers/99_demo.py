WRONG_ANSWERS = {"f": ["def f(x):\n    return x + 2\n"]}

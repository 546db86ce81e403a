"""Operations: the process manager that drives one script from premise or text to a video."""

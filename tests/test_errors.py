"""errors.said: the one line of a tool's or an exception's text that a message quotes."""

from colorization.errors import said


def test_the_last_line_by_default_where_tools_put_the_reason():
    report = "ffmpeg version 6\n  built with gcc\n\nmissing.mp4: No such file or directory\n  \n"
    assert said(report) == "missing.mp4: No such file or directory"


def test_the_first_line_of_an_exception_when_asked():
    error = ValueError("  bad header\nsecond line\n")
    assert said(error, first=True) == "bad header" and said(error) == "second line"


def test_bytes_are_decoded_and_long_lines_cut():
    assert said(b"ok\n\xff broken \xfe\n") == "\ufffd broken \ufffd"
    assert said("x" * 1000) == "x" * 300 and said("x" * 1000, limit=20) == "x" * 20


def test_nothing_said_gives_the_default():
    for nothing in ("", "  \n \n", b"", None, ValueError()):
        assert said(nothing, default="no message") == "no message"
    assert said("") == ""

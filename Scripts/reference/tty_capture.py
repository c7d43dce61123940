#!/usr/bin/env python3
# Runs a command and prints exactly what it wrote, with control characters
# escaped: one Python repr() per chunk, chunks split only after "\n" (so a
# "\r"/"\b" redraw sequence stays on the line where it was written).
#
# Versions used: Python 3.11.7 (standard library only).
#
# Run:
#   python3 Scripts/reference/tty_capture.py [--pipe] [--cols N] [--term T]
#       [--onlcr] [--raw FILE] -- CMD ARGS...
# Modes:
#   default  the child runs under a pseudo-terminal of N columns (default 80)
#            with TERM=T (default xterm-256color); COLUMNS and LINES are
#            removed from its environment so the pty size is what counts.
#            Output post-processing is switched off (no "\n" -> "\r\n") so
#            the bytes are exactly what the child wrote, unless --onlcr.
#            stdout and stderr both go to the terminal.
#   --pipe   the child's stdout and stderr are pipes (not a terminal);
#            printed separately under "--- stdout ---" / "--- stderr ---".
# --raw FILE also saves the raw bytes (stdout only in --pipe mode).
# Example:
#   CUDA_VISIBLE_DEVICES="" TF_CPP_MIN_LOG_LEVEL=2 python3 \
#     Scripts/reference/tty_capture.py --cols 100 -- \
#     /work/venv-keras/bin/python Scripts/reference/model_summary.py functional
import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios


def show(data):
    text = data.decode("utf-8", errors="replace")
    for chunk in re.findall(r"[^\n]*\n|[^\n]+$", text):
        print(repr(chunk))


def main():
    args = sys.argv[1:]
    cols, raw, onlcr, term, pipe = 80, None, False, "xterm-256color", False
    while args and args[0] != "--":
        a = args.pop(0)
        if a == "--cols":
            cols = int(args.pop(0))
        elif a == "--raw":
            raw = args.pop(0)
        elif a == "--onlcr":
            onlcr = True
        elif a == "--term":
            term = args.pop(0)
        elif a == "--pipe":
            pipe = True
        else:
            raise SystemExit(f"unknown option {a}")
    args.pop(0)
    if pipe:
        p = subprocess.run(args, capture_output=True)
        if raw:
            with open(raw, "wb") as f:
                f.write(p.stdout)
        print("--- stdout ---")
        show(p.stdout)
        print("--- stderr ---")
        show(p.stderr)
        return
    env = dict(os.environ)
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    env["TERM"] = term
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", 40, cols, 0, 0))
        if not onlcr:
            attrs = termios.tcgetattr(1)
            attrs[1] &= ~termios.OPOST
            termios.tcsetattr(1, termios.TCSANOW, attrs)
        os.execvpe(args[0], args, env)
    data = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    os.waitpid(pid, 0)
    if raw:
        with open(raw, "wb") as f:
            f.write(data)
    show(data)


if __name__ == "__main__":
    main()

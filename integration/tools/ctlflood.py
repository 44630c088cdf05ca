#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""ctlflood.py SOCKET N LINES [REQUEST]: opens N connections to the control
socket, writes LINES copies of REQUEST (default a status request) on each,
one send per connection, then holds them open without reading, until
killed. Prints one line per connection: "ok" when it was accepted (its
first reply, if any came within 0.5 s, is not read past the first line),
or the refusal the daemon sent. Then "ready". For tests of what a local
user can do to the daemon (integration/t_control_fairness.sh)."""
import socket
import sys
import time


def main():
    path, n, lines = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    req = (sys.argv[4] if len(sys.argv) > 4 else '{"cmd":"status"}') + '\n'
    conns = []
    for _ in range(n):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        s.setblocking(False)
        conns.append(s)
    # A refusal comes at once, before any request is read.
    time.sleep(0.3)
    for s in conns:
        try:
            first = s.recv(200, socket.MSG_PEEK)
        except BlockingIOError:
            first = b''
        if b'"ok":false' in first:
            print(first.decode(errors='replace').strip(), flush=True)
            continue
        print('ok', flush=True)
        if lines:
            try:
                s.send((req * lines).encode())
            except BlockingIOError:
                pass
    print('ready', flush=True)
    while True:
        time.sleep(60)


if __name__ == '__main__':
    main()

#!/bin/sh
# sse-unavailable.cgi - what /events/ answers while the pusher is down
# (the front's error handler for its 502/503/504). EventSource gives up
# for good on any answer but a 200 text/event-stream, so this is one: a
# `retry:` field, a comment, then the end of the stream. The client
# reconnects after `retry` milliseconds with its Last-Event-ID, and the
# pusher, once back, resumes from there (nothing lost).
printf 'Status: 200\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n\r\n'
printf 'retry: 2000\n: pusher unavailable, reconnect\n\n'

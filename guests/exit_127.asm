; SPDX-License-Identifier: MIT
;
; exit_127 - writes 127 to the exit port 0xF4 with a one-byte OUT, so modvmm
; exits with status (127 << 1) | 1 = 255.
;
;   modvmm build/guests/exit_127.bin; echo $?

bits 16
org 0

%include "exit.inc"

start:
	cli
	EXIT 127

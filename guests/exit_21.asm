; SPDX-License-Identifier: MIT
;
; exit_21 - writes 21 to the exit port 0xF4 with a one-byte OUT, so modvmm
; exits with status (21 << 1) | 1 = 43.
;
;   modvmm build/guests/exit_21.bin; echo $?

bits 16
org 0

%include "exit.inc"

start:
	cli
	EXIT 21

; SPDX-License-Identifier: MIT
;
; exit_0 - writes 0 to the exit port 0xF4 with a one-byte OUT, so modvmm
; exits with status (0 << 1) | 1 = 1.
;
;   modvmm build/guests/exit_0.bin; echo $?

bits 16
org 0

%include "exit.inc"

start:
	cli
	EXIT 0

; SPDX-License-Identifier: MIT
;
; exit_port501 - writes 5 with a two-byte OUT to port 0x501, the default
; port of QEMU's isa-debug-exit.  With
;   modvmm --nodefaults -d debugport,exit-port=0x501,exit-size=2 ...
; it exits with (5 << 1) | 1 = 11; without a device there the write is
; dropped and the guest halts (status 0).

bits 16
org 0

%include "exit.inc"

start:
	cli
	mov dx, 0x501
	mov ax, 5
	out dx, ax
	hlt

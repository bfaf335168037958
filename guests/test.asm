; SPDX-License-Identifier: MIT
; test.asm - the classic KVM API demo's guest: write "test" to port 0x3F8
; one byte at a time, then a newline, then hlt (interrupts are off at
; reset, so the run ends with status 0).
	bits 16
	org 0

	mov dx, 0x3f8
	mov al, 't'
	out dx, al
	mov al, 'e'
	out dx, al
	mov al, 's'
	out dx, al
	mov al, 't'
	out dx, al
	mov al, 10
	out dx, al
	hlt

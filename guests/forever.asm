; SPDX-License-Identifier: MIT
; forever.asm - a guest that never stops (for --timeout): a busy loop
; that also touches a port now and then, so it exits to the VMM.
	bits 16
	org 0
	mov dx, 0x3f8
	mov al, '.'
	out dx, al
	mov al, 10
	out dx, al
.spin:
	mov cx, 0xffff
.inner:
	loop .inner
	in al, 0x80
	jmp .spin

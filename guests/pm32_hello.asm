; SPDX-License-Identifier: MIT
; pm32_hello.asm - a flat 32-bit protected-mode image for
;   modvmm --mode protected IMAGE   (loaded and entered at 0x100000)
; Prints through the UART THR and exits through the exit port with 0x10
; (process status 33), after checking that the VMM entered with flat
; segments (CS=0x08, DS=0x10) and paging off.
	bits 32
	org 0x100000

start:
	mov esi, msg_ok
	mov ax, cs
	cmp ax, 0x08
	jne .bad
	mov ax, ds
	cmp ax, 0x10
	jne .bad
	mov eax, cr0
	test eax, 0x80000000
	jnz .bad
	test eax, 1
	jz .bad
	jmp .print
.bad:
	mov esi, msg_bad
.print:
	mov dx, 0x3f8
.next:
	lodsb
	test al, al
	jz .exit
	out dx, al
	jmp .next
.exit:
	mov dx, 0xf4
	mov eax, 0x10
	out dx, eax
	hlt

msg_ok:	db "protected mode OK", 10, 0
msg_bad: db "protected mode: unexpected entry state", 10, 0

; SPDX-License-Identifier: MIT
; lm64_hello.asm - a flat 64-bit long-mode image for
;   modvmm --mode long IMAGE   (loaded and entered at 0x100000)
; Checks EFER.LMA and CR0.PG, touches memory above 1 GiB? no: only the
; identity map the VMM built (reads the byte at 0x100000 through it),
; prints and exits with 0x11 (process status 35).
	bits 64
	org 0x100000

start:
	lea rsi, [rel msg_ok]
	mov ecx, 0xc0000080		; EFER
	rdmsr
	test eax, 0x400			; LMA
	jz .bad
	mov rax, cr0
	bt rax, 31
	jnc .bad
	mov al, [0x100000]		; identity map: our own first byte
	cmp al, [rel start]
	jne .bad
	jmp .print
.bad:
	lea rsi, [rel msg_bad]
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
	mov eax, 0x11
	out dx, eax
	hlt

msg_ok:	db "long mode OK", 10, 0
msg_bad: db "long mode: unexpected entry state", 10, 0

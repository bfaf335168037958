; SPDX-License-Identifier: MIT
;
; chaos_unclaimed - hammer unclaimed addresses: ROUNDS times, a byte
; write and a byte read at each of the 256 ports 0x100-0x1ff (nothing
; there in the default machine) and at the first byte of each of the 64
; pages of the 0xa0000-0xdffff hole (the BIOS area above it is RAM).
; Reads must give all ones, the machine must stay quick, and modvmm -v must log each port and page
; once, not ROUNDS times.  Exits with 0x21 (status 67) if every read gave
; all ones, with 0x22 (status 69) if one did not.

	bits 16
	org 0

ROUNDS		equ 40
FIRST_PORT	equ 0x100
NR_PORTS	equ 256
HOLE_SEG	equ 0xa000
HOLE_PAGES	equ 64
EXIT_PORT	equ 0xf4

start:
	cli
	mov bp, ROUNDS
	mov bl, 0xff			; AND of everything read
.round:
	mov dx, FIRST_PORT
	mov cx, NR_PORTS
.port:
	mov al, dl
	out dx, al
	in al, dx
	and bl, al
	inc dx
	loop .port
	mov ax, HOLE_SEG
	mov cx, HOLE_PAGES
.page:
	mov es, ax
	mov byte [es:0], 0x5a
	and bl, [es:0]
	add ax, 0x100			; next 4 KiB page
	loop .page
	dec bp
	jnz .round
	mov al, 0x21
	cmp bl, 0xff
	je .exit
	mov al, 0x22
.exit:
	out EXIT_PORT, al
	cli
	hlt

; SPDX-License-Identifier: MIT
;
; chaos_real - a hostile real-mode guest for robustness testing.
;
; Every round writes a pseudo-random value of a pseudo-random size (1, 2
; or 4 bytes) to each of the 65536 I/O ports, in a pseudo-random order,
; and reads each one back (another random size); one port in 32 gets a
; short "rep outs" and "rep ins" instead.  Then it makes MMIO_STEPS
; random writes and reads in the 0xa0000-0xdffff hole.  The values come
; from a xorshift32 generator seeded per round, so a run is reproducible
; from its seed.  After the last round it writes 0x2a to the exit port
; (process status 85).  The exit ports 0xf4-0xf7 are the only ones it
; never touches before that: no access it makes overlaps them.
;
; Run it with the consoles silenced, since it writes garbage to them; it
; never sets IF, as it programs the PIT and the interrupt controller at
; random too:
;
;   modvmm --nodefaults -d serial8250,out=null -d debugport,out=null \
;          -d pit8254 -d counter -d regbank build/guests/chaos_real.bin
;
; The header at offset 4 lets a test change the round count and seed in
; a copy of the image without rebuilding it: "CHAO", then rounds (dword,
; offset 8) and seed (dword, offset 12).
;
; Guest instructions are expensive where KVM emulates real mode, so the
; port loop keeps everything in registers and dispatches the 16 size
; pairs through a jump table: ESI xorshift state, BP port, DI step
; (odd, so the ports visited are a permutation), ECX ports left.

	bits 16
	org 0

%include "chaos.inc"

EXIT_LAST	equ 0xf7	; debugport's exit range is 4 bytes wide
EXIT_VALUE	equ 0x2a
BUF_SEG		equ 0x2000	; rep ins lands in 0x20000-0x2ffff
MMIO_STEPS	equ 1024
HOLE_BASE	equ 0xa0000
HOLE_SIZE	equ 0x40000
STRING_MASK	equ 0x3e0000	; five bits: one port in 32

CHAOS_HEADER 3, 0x2545f491

main:
	cli
	cld
	xor ax, ax
	mov ds, ax
	mov ax, BUF_SEG
	mov es, ax
	xor ebx, ebx			; round number
.round:
	cmp ebx, [rounds]
	jae .done
	imul esi, ebx, 0x9e3779b9	; a different stream per round
	xor esi, [seed]
	jnz .seeded
	inc esi				; xorshift must not start at 0
.seeded:
	push ebx
	call ports_round
	call mmio_round
	call pit_quiet
	pop ebx
	inc ebx
	jmp .round
.done:
	; The exit port, last: status (0x2a << 1) | 1 = 85.
	mov al, EXIT_VALUE
	out EXIT_PORT, al
	; Still running: the exit port is gone.  Halting with IF=0 gives
	; status 0, which the test reports as a failure.
	cli
	hlt
	jmp .done

ports_round:
	XORSHIFT esi
	mov di, si
	or di, 1
	XORSHIFT esi
	mov bp, si
	mov ecx, 0x10000
.next:
	XORSHIFT esi
	mov dx, bp
	mov ax, dx
	sub ax, EXIT_PORT - 3
	cmp ax, EXIT_LAST - (EXIT_PORT - 3) + 1
	jb .near_exit
	test esi, STRING_MASK
	jz .string
	mov bx, si
	and bx, 15
	shl bx, 1
	mov eax, esi
	jmp [cs:pair_table + bx]
.near_exit:
	; 0xf1-0xf3 take byte accesses only; 0xf4-0xf7 are skipped
	cmp dx, EXIT_PORT
	jae .step
	mov eax, esi
	out dx, al
	in al, dx
	jmp .step
.string:
	call port_string
.step:
	add bp, di
	dec ecx
	jnz .next
	ret

PORT_PAIRS dw

; port_string: "rep outs" then "rep ins" of 1-16 elements of 1, 2 or 4
; bytes at port DX (never near the exit ports: the caller checked).  The
; source is whatever is in the low 64 KiB (this code, the IVT area); the
; destination is the buffer segment.
port_string:
	push ecx
	push di
	push esi
	mov ecx, esi
	shr ecx, 24
	and cx, 15
	inc cx
	mov ax, si
	and ax, 0xff00			; 16 dwords never cross 64 KiB
	mov di, ax
	shr esi, 8
	and si, 0xff00
	mov bx, cx			; the count, for the ins
	test ax, 0x0300
	jz .w
	test ax, 0x0400
	jz .d
	rep outsb
	mov cx, bx
	rep insb
	jmp .out
.w:	rep outsw
	mov cx, bx
	rep insw
	jmp .out
.d:	rep outsd
	mov cx, bx
	rep insd
.out:
	pop esi
	pop di
	pop ecx
	ret

; MMIO_STEPS random writes and reads of random sizes in the
; 0xa0000-0xdffff hole, through FS.
mmio_round:
	mov ecx, MMIO_STEPS
.next:
	XORSHIFT esi
	mov eax, esi
	shr eax, 8
	and eax, 0x7ffff
	cmp eax, HOLE_SIZE
	jb .in
	sub eax, HOLE_SIZE
.in:
	add eax, HOLE_BASE
	mov di, ax
	and di, 0xf
	shr eax, 4
	mov fs, ax
	mov eax, esi
	mov bx, si
	and bx, 15
	shl bx, 1
	jmp [cs:mmio_table + bx]
.step:
	dec ecx
	jnz .next
	ret

%macro MOVW 1
%if %1 == 1
	mov [fs:di], ax
%elif %1 == 2
	mov [fs:di], eax
%else
	mov [fs:di], al
%endif
%endmacro
%macro MOVR 1
%if %1 == 1
	mov ax, [fs:di]
%elif %1 == 2
	mov eax, [fs:di]
%else
	mov al, [fs:di]
%endif
%endmacro

%assign i 0
%rep 16
mmio_ %+ i:
	MOVW (i & 3)
	MOVR (i >> 2)
	jmp mmio_round.step
%assign i i + 1
%endrep

mmio_table:
%assign i 0
%rep 16
	dw mmio_ %+ i
%assign i i + 1
%endrep

PIT_QUIET_ROUTINE

; SPDX-License-Identifier: MIT
; smp_hammer.asm - every vCPU of modvmm --cpus N --mode protected writes
; the same device port at once, COUNT times each.
;
; For the device concurrency contract (tests/integration/smp.sh): the
; device is the hammer test plugin (tests/plugins/hammer.c), whose port
; 0x5d0 adds one to a counter with a read-modify-write that loses counts
; unless the host runs its calls one at a time, or hammer_mt.c, which
; declares itself concurrent and adds atomically.  The boot CPU starts
; the others with INIT, SIPI, SIPI (as smp_exit does); each AP, in real
; mode, writes the port COUNT times and counts itself done (lock inc);
; the boot CPU writes it COUNT times too, waits (bounded) for the N - 1
; others, reads the counter (a dword at 0x5d0) and prints
; "hammer: N cpus, count C" on the debug console, then exits 0
; (status 1).  N is the byte at offset 3 (the test patches it); an AP
; that does not come exits 0x11 (status 35).
	bits 32
	org 0x100000

%include "pc32.inc"

HAMMER_PORT	equ 0x5d0
LAPIC_ICR_LO	equ 0xfee00300
TRAMP		equ 0x8000		; SIPI vector 0x08
DONE		equ 0x7f00		; APs done so far
NEED		equ 0x7f01		; N - 1
COUNT		equ 20000		; writes per vCPU
ICR_INIT_ALL	equ 0x000c4500		; INIT, level assert, all but self
ICR_SIPI_ALL	equ 0x000c4600 | (TRAMP >> 12)

start:
	jmp short main
		db 0			; offset 2: unused
cpus:		db 4			; offset 3: N
main:
	cld
	mov esp, 0x7000
	mov byte [DONE], 0
	mov al, [cpus]
	dec al
	mov [NEED], al
	mov esi, tramp
	mov edi, TRAMP
	mov ecx, tramp_end - tramp
	rep movsb
	cmp byte [NEED], 0
	je .hammer
	mov dword [LAPIC_ICR_LO], ICR_INIT_ALL
	mov dword [LAPIC_ICR_LO], ICR_SIPI_ALL
	mov dword [LAPIC_ICR_LO], ICR_SIPI_ALL
.hammer:
	mov dx, HAMMER_PORT
	mov ecx, COUNT
.write:
	out dx, al
	dec ecx
	jnz .write
	mov ecx, 400000000
.wait:
	mov al, [DONE]
	cmp al, [NEED]
	jae .all_done
	pause
	dec ecx
	jnz .wait
	mov al, 0x11
	jmp exit
.all_done:
	mov esi, msg_cpus
	call puts
	movzx eax, byte [cpus]
	call putdec
	mov esi, msg_count
	call puts
	mov dx, HAMMER_PORT
	in eax, dx
	call putdec
	mov al, 10
	call putc
	xor eax, eax
	jmp exit

DEBUGCON32_ROUTINES

msg_cpus	db "hammer: ", 0
msg_count	db " cpus, count ", 0

; Real mode, CS:IP = 0x0800:0000, DS = 0.
	bits 16
tramp:
	cli
	xor ax, ax
	mov ds, ax
	mov dx, HAMMER_PORT
	mov ecx, COUNT
.write:
	out dx, al
	dec ecx
	jnz .write
	lock inc byte [DONE]
.idle:
	hlt
	jmp .idle
tramp_end:

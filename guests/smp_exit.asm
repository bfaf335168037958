; SPDX-License-Identifier: MIT
; smp_exit.asm - every vCPU of modvmm --cpus N --mode protected starts,
; and one of them ends the run.
;
; The boot CPU copies a real-mode trampoline to 0x8000 and sends INIT,
; SIPI, SIPI to all the others through its local APIC (ICR, "all
; excluding self").  Each application processor counts itself in at
; COUNT (lock inc), waits until all N - 1 are in, then the one whose
; APIC ID is the byte at offset 2 of the image (N at offset 3; the test
; patches both) writes 0x20 + its ID to the exit port; the others halt.  With
; 0xff there the boot CPU itself exits with 0x7f once all are in.  So
; modvmm must stop every vCPU on an exit that any of them makes, and
; report exactly that status (the stress test in tests/integration/smp.sh).
;
; The boot CPU gives up after a bounded spin if the APs do not all come
; (status 0x11: the count did not reach N - 1).
	bits 32
	org 0x100000

EXIT_PORT	equ 0xf4
LAPIC_ICR_LO	equ 0xfee00300
TRAMP		equ 0x8000		; SIPI vector 0x08
COUNT		equ 0x7f00		; APs in so far
NEED		equ 0x7f01		; N - 1
WHO		equ 0x7f02		; the chosen APIC ID
ICR_INIT_ALL	equ 0x000c4500		; INIT, level assert, all but self
ICR_SIPI_ALL	equ 0x000c4600 | (TRAMP >> 12)

start:
	jmp short main
chosen_id:	db 1			; offset 2: who exits (0xff: the boot CPU)
cpus:		db 4			; offset 3: N
main:
	cld
	mov byte [COUNT], 0
	mov al, [cpus]
	dec al
	mov [NEED], al
	mov al, [chosen_id]
	mov [WHO], al
	mov esi, tramp
	mov edi, TRAMP
	mov ecx, tramp_end - tramp
	rep movsb
	mov dword [LAPIC_ICR_LO], ICR_INIT_ALL
	mov dword [LAPIC_ICR_LO], ICR_SIPI_ALL
	mov dword [LAPIC_ICR_LO], ICR_SIPI_ALL
	mov ecx, 200000000
.wait:
	mov al, [COUNT]
	cmp al, [NEED]
	jae .all_in
	dec ecx
	jnz .wait
	mov al, 0x11
	out EXIT_PORT, al
	jmp .idle
.all_in:
	cmp byte [WHO], 0xff
	jne .idle
	mov al, 0x7f
	out EXIT_PORT, al
.idle:
	cli
	hlt
	jmp .idle

; Real mode, CS:IP = 0x0800:0000, DS = 0.
	bits 16
tramp:
	cli
	xor ax, ax
	mov ds, ax
	lock inc byte [COUNT]
	mov eax, 1
	cpuid
	shr ebx, 24			; this CPU's APIC ID
.wait:
	mov al, [COUNT]
	cmp al, [NEED]
	jb .wait
	cmp bl, [WHO]
	jne .idle
	mov al, bl
	add al, 0x20
	out EXIT_PORT, al
.idle:
	hlt
	jmp .idle
tramp_end:

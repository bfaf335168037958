; SPDX-License-Identifier: MIT
;
; regbank_long - 8-byte accesses to the regbank example plugin.
;
; Flat 64-bit image for the core's long mode (first 4 GiB identity
; mapped), since only 64-bit code makes 8-byte MMIO accesses with plain
; moves:
;
;   modvmm --mode long --load-addr 0x100000 -d regbank \
;          build/guests/regbank_long.bin
;
; Prints "regbank: OK 64" and exits with status 1, or
; "regbank: FAIL step N" and exits with status 3.

bits 64
org 0x100000

%include "pc.inc"

RB		equ 0xd0000000
ID		equ 0x00
IRQ_LEVEL	equ 0x08
DMA_ADDR	equ 0x10	; LO and HI as one 8-byte register pair
DMA_LEN		equ 0x18
DMA_CMD		equ 0x20
DMA_STATUS	equ 0x24
BANK		equ 0x100


%define CHECK_REG bl		; for check (pc.inc)

start:
	cli
	cld
	; A disp32 would sign-extend 0xd0000000: address through a register.
	mov rbp, RB

	; 1: ID and NREGS in one read.
	mov rax, [rbp + ID]
	mov rcx, 0x314B4252
	cmp eax, ecx
	check e, 1
	shr rax, 32
	cmp eax, 4
	check ae, 1

	; 2: an 8-byte write fills two registers, an 8-byte read joins them.
	mov rax, 0x0123456789abcdef
	mov [rbp + BANK], rax
	cmp dword [rbp + BANK], 0x89abcdef
	check e, 2
	cmp dword [rbp + BANK + 4], 0x01234567
	check e, 2
	cmp [rbp + BANK], rax
	check e, 2

	; 3: unaligned 8 bytes span three registers.
	mov dword [rbp + BANK + 8], 0
	mov rax, 0x1122334455667788
	mov [rbp + BANK + 2], rax
	mov rax, [rbp + BANK]
	mov rcx, 0x334455667788cdef
	cmp rax, rcx
	check e, 3
	cmp dword [rbp + BANK + 8], 0x1122
	check e, 3

	; 4: a 64-bit DMA address above 4 GiB: not RAM here, refused.
	mov rax, 0x100200000
	mov [rbp + DMA_ADDR], rax
	cmp [rbp + DMA_ADDR], rax
	check e, 4
	mov dword [rbp + DMA_LEN], 16
	mov dword [rbp + DMA_CMD], 1
	cmp dword [rbp + DMA_STATUS], 2
	check e, 4

	; 5: DMA fill below 4 GiB through the same 8-byte register.
	mov rax, 0x200000
	mov [rbp + DMA_ADDR], rax
	mov rax, 0x5a5a5a5a00000010	; LEN 16 and PATTERN at once
	mov [rbp + DMA_LEN], rax
	mov dword [rbp + DMA_CMD], 1
	cmp dword [rbp + DMA_STATUS], 1
	check e, 5
	mov rax, 0x5a5a5a5a5a5a5a5a
	cmp [0x200000], rax
	check e, 5
	cmp [0x200008], rax
	check e, 5

	; 6: the level IRQ register, 8 bytes wide.
	mov qword [rbp + IRQ_LEVEL], 1
	cmp dword [rbp + IRQ_LEVEL], 1
	check e, 6
	mov qword [rbp + IRQ_LEVEL], 0
	cmp dword [rbp + IRQ_LEVEL], 0
	check e, 6

	lea rsi, [rel msg_ok]
	call puts
	mov al, 0
	out EXIT_PORT, al
	jmp halt

fail:
	lea rsi, [rel msg_fail]
	call puts
	FAIL_STEP_ROUTINE

THR_ROUTINES 0

msg_ok		db "regbank: OK 64", 10, 0
msg_fail	db "regbank: FAIL step ", 0

; SPDX-License-Identifier: MIT
;
; regbank_test - exercises the regbank example plugin (plugins/regbank).
;
; Flat 32-bit image: the registers sit at 0xd0000000, out of real mode's
; reach, so it runs in the core's flat protected mode (paging off):
;
;   modvmm --mode protected --load-addr 0x100000 -d regbank \
;          build/guests/regbank_test.bin
;
; Needs the default machine (serial8250 for output, debugport for the exit
; port), regbank at its default base with at least 4 registers, and at
; least 4 MiB of RAM.  Prints "regbank: OK" and exits with status 1, or
; "regbank: FAIL step N" and exits with status 3.

bits 32
org 0x100000

%include "pc.inc"

RB		equ 0xd0000000
RB_ID		equ RB + 0x00
RB_NREGS	equ RB + 0x04
RB_IRQ_LEVEL	equ RB + 0x08
RB_IRQ_NUM	equ RB + 0x0c
RB_DMA_ADDR_LO	equ RB + 0x10
RB_DMA_ADDR_HI	equ RB + 0x14
RB_DMA_LEN	equ RB + 0x18
RB_DMA_PATTERN	equ RB + 0x1c
RB_DMA_CMD	equ RB + 0x20
RB_DMA_STATUS	equ RB + 0x24
RB_DMA_COUNT	equ RB + 0x28
RB_BANK		equ RB + 0x100

DMA_FILL	equ 1
DMA_LOAD	equ 2
ST_DONE		equ 1
ST_ERR_MEM	equ 2
ST_ERR_LEN	equ 3
ST_ERR_CMD	equ 4

FILL_ADDR	equ 0x200000	; 2 MiB: RAM, clear of this image
FILL_LEN	equ 4100	; more than the plugin's 4 KiB chunk
EDGE_ADDR	equ 0x9f000	; the last page below the 640 KiB hole


%define CHECK_REG bl		; for check (pc.inc)

; dma CMD, ADDR, LEN, PATTERN: program the DMA registers and start.
%macro dma 4
	mov dword [RB_DMA_ADDR_LO], %2
	mov dword [RB_DMA_ADDR_HI], 0
	mov dword [RB_DMA_LEN], %3
	mov dword [RB_DMA_PATTERN], %4
	mov dword [RB_DMA_CMD], %1
%endmacro

start:
	cli
	cld
	mov esp, 0x80000	; the EDGE_ADDR fill below would hit 0x9fff0

	; 1: ID, as a dword and byte by byte ("RBK1").
	cmp dword [RB_ID], 0x314B4252
	check e, 1
	cmp byte [RB_ID], 'R'
	check e, 1
	cmp word [RB_ID + 2], 0x314B
	check e, 1

	; 2: at least 4 registers, and an IRQ line number that makes sense.
	mov ecx, [RB_NREGS]
	cmp ecx, 4
	check ae, 2
	cmp dword [RB_IRQ_NUM], 23
	check be, 2

	; 3: every register keeps its own dword.
	xor esi, esi
.fill:
	lea eax, [esi * 4 + 0x5a000000]
	mov [RB_BANK + esi * 4], eax
	inc esi
	cmp esi, ecx
	jb .fill
	xor esi, esi
.verify:
	lea eax, [esi * 4 + 0x5a000000]
	cmp [RB_BANK + esi * 4], eax
	check e, 3
	inc esi
	cmp esi, ecx
	jb .verify

	; 4: byte and word writes land in the right bytes (little-endian).
	mov byte [RB_BANK + 0], 0x11
	mov byte [RB_BANK + 1], 0x22
	mov byte [RB_BANK + 2], 0x33
	mov byte [RB_BANK + 3], 0x44
	cmp dword [RB_BANK], 0x44332211
	check e, 4
	mov word [RB_BANK + 2], 0xbeef
	cmp dword [RB_BANK], 0xbeef2211
	check e, 4
	cmp byte [RB_BANK + 3], 0xbe
	check e, 4

	; 5: unaligned accesses span two registers.
	mov dword [RB_BANK + 4], 0x88776655
	cmp word [RB_BANK + 3], 0x55be
	check e, 5
	mov dword [RB_BANK + 2], 0xa1b2c3d4
	cmp dword [RB_BANK], 0xc3d42211
	check e, 5
	cmp dword [RB_BANK + 4], 0x8877a1b2
	check e, 5

	; 6: the level IRQ line is held until released.
	mov dword [RB_IRQ_LEVEL], 1
	cmp dword [RB_IRQ_LEVEL], 1
	check e, 6
	mov byte [RB_IRQ_LEVEL + 1], 0	; another byte: still held
	cmp dword [RB_IRQ_LEVEL], 1
	check e, 6
	mov dword [RB_IRQ_LEVEL], 0
	cmp dword [RB_IRQ_LEVEL], 0
	check e, 6

	; 7: DMA fill of guest RAM; the byte after it is untouched.
	mov byte [FILL_ADDR + FILL_LEN], 0x5a
	dma DMA_FILL, FILL_ADDR, FILL_LEN, 0xdeadbeef
	cmp dword [RB_DMA_STATUS], ST_DONE
	check e, 7
	cmp dword [RB_DMA_COUNT], FILL_LEN
	check e, 7
	mov edi, FILL_ADDR
	mov ecx, FILL_LEN / 4
	mov eax, 0xdeadbeef
	repe scasd
	check e, 8
	cmp byte [FILL_ADDR + FILL_LEN], 0x5a
	check e, 8

	; 9: the host refuses what is not RAM: MMIO, the 640K hole.
	dma DMA_FILL, RB, 4, 0
	cmp dword [RB_DMA_STATUS], ST_ERR_MEM
	check e, 9
	cmp dword [RB_ID], 0x314B4252
	check e, 9
	dma DMA_FILL, EDGE_ADDR, 0x2000, 0x01010101
	cmp dword [RB_DMA_STATUS], ST_ERR_MEM
	check e, 9
	cmp dword [RB_DMA_COUNT], 0x1000	; the chunk before the hole
	check e, 9
	cmp dword [EDGE_ADDR + 0xffc], 0x01010101
	check e, 9

	; 10: bad lengths and commands.
	dma DMA_FILL, FILL_ADDR, 0, 0
	cmp dword [RB_DMA_STATUS], ST_ERR_LEN
	check e, 10
	dma 9, FILL_ADDR, 4, 0
	cmp dword [RB_DMA_STATUS], ST_ERR_CMD
	check e, 10

	; 11: DMA load of guest RAM into the bank.
	dma DMA_LOAD, load_src, 10, 0
	cmp dword [RB_DMA_STATUS], ST_DONE
	check e, 11
	cmp dword [RB_BANK], 'modv'
	check e, 11
	cmp dword [RB_BANK + 4], 'mm r'
	check e, 11
	cmp dword [RB_BANK + 8], 0x5a000000 | 'ul'	; high half kept
	check e, 11

	mov esi, msg_ok
	call puts
	mov al, 0
	out EXIT_PORT, al
	jmp halt

fail:
	mov esi, msg_fail
	call puts
	movzx eax, bl
	mov cl, 10
	div cl			; AL tens, AH units
	test al, al
	jz .units
	add al, '0'
	call putc
.units:
	mov al, ah
	add al, '0'
	call putc
	mov al, 10
	call putc
	HALT_ROUTINE 1

THR_ROUTINES 0

msg_ok		db "regbank: OK", 10, 0
msg_fail	db "regbank: FAIL step ", 0
load_src	db "modvmm rules"

; SPDX-License-Identifier: MIT
;
; bench_mmio - MMIO exit benchmark guest (make bench): N dword writes to
; bank register 0 of the regbank example plugin (0xd0000100 with its
; default base), then 0 to the exit port (status 1).  Every write is one
; KVM_EXIT_MMIO; bench/run-bench takes the cost of one as
; (time(N) - time(0)) / N.
;
;   nasm -f bin -DN=200000 -o mmio-200000.bin guests/bench_mmio.asm
;   modvmm -d regbank mmio-200000.bin
;
; It starts in real mode like every flat image (modvmm's default, and
; bench/floor's only mode) and switches to flat 32-bit protected mode
; itself, so modvmm, the floor and QEMU start from the same state.  The
; code finds its own linear base from CS, so the same bytes run at 0
; (modvmm, floor) and as QEMU -bios firmware at 0xf0000 (bench/bios.asm).
; The GDT is read in place (its accessed bits are preset, so the CPU never
; writes it: QEMU's firmware is ROM); the GDTR operand goes on the stack.

bits 16
org 0

%ifndef N
%define N 100000
%endif

%ifndef MMIO_ADDR
%define MMIO_ADDR 0xd0000100
%endif

EXIT_PORT	equ 0xf4
SEL_CODE	equ 0x08
SEL_DATA	equ 0x10

start:
	cli
	cld
	mov ax, 0x9000
	mov ss, ax
	mov sp, 0xfff0
	xor ebx, ebx
	mov bx, cs
	shl ebx, 4		; linear address of this image

	lea eax, [ebx + gdt]
	push eax		; GDTR: base (dword), then limit (word)
	push word gdt_end - gdt - 1
	mov bp, sp
	o32 lgdt [ss:bp]
	add sp, 6

	lea eax, [ebx + pm32]
	push dword SEL_CODE
	push eax
	mov eax, cr0
	or al, 1		; PE
	mov cr0, eax
	o32 retf		; to pm32, CS = SEL_CODE

bits 32
pm32:
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov esp, 0x9fff0
	mov ecx, N
	mov edi, MMIO_ADDR
	jecxz .done
.loop:
	mov [edi], ecx
	dec ecx
	jnz .loop
.done:
	xor al, al
	out EXIT_PORT, al
	cli
	hlt

align 8
gdt:
	dq 0
	dq 0x00cf9b000000ffff	; 0x08: 32-bit code, flat, accessed
	dq 0x00cf93000000ffff	; 0x10: data, flat, accessed
gdt_end:

; SPDX-License-Identifier: MIT
;
; bench_idle - idle cost benchmark guest (make bench): the 8254 ticks IRQ 0
; at HZ (default 100) and the guest sits in `sti; hlt` for SECONDS
; (default 10), counting ticks, then writes 0 to the exit port (status 1).
; What the VMM burns meanwhile is the cost of an idle guest.
;
;   nasm -f bin -DSECONDS=10 -DHZ=100 -o idle.bin guests/bench_idle.asm
;
; Needs an 8259 PIC and an 8254 PIT (modvmm: the in-kernel irqchip and the
; default machine's pit8254; QEMU: its own).  Flat real-mode image (loaded
; at 0, CS:IP 0:0), so the real-mode vector table at 0 would be its own
; code: it moves the table to 0x600 with lidt.  It keeps its state in low
; RAM at 0x500, not in its own bytes, so the same bytes run as QEMU -bios firmware at 0xf0000
; (bench/bios.asm).

bits 16
org 0

%ifndef SECONDS
%define SECONDS 10
%endif
%ifndef HZ
%define HZ 100
%endif

PIC1_CMD	equ 0x20
PIC1_DATA	equ 0x21
PIC2_CMD	equ 0xa0
PIC2_DATA	equ 0xa1
PIT_CH0		equ 0x40
PIT_CTRL	equ 0x43
PIT_HZ		equ 1193182
EXIT_PORT	equ 0xf4
IRQ0_VECTOR	equ 0x08
TICKS		equ 0x500	; dword tick counter in low RAM
IVT		equ 0x600	; our own vector table: the image sits at 0

%macro OUTB 2
	mov al, %2
	out %1, al
%endmacro

start:
	cli
	cld
	mov ax, 0x9000
	mov ss, ax
	mov sp, 0xfff0
	xor ax, ax
	mov ds, ax
	mov dword [TICKS], 0
	mov word [IVT + IRQ0_VECTOR * 4], irq0
	mov [IVT + IRQ0_VECTOR * 4 + 2], cs
	push dword IVT		; IDTR: base (dword), then limit (word)
	push word 0x3ff
	mov bp, sp
	o32 lidt [ss:bp]
	add sp, 6

	; 8259s: edge triggered, cascaded, vectors 0x08 and 0x70, 8086 mode;
	; only IRQ 0 unmasked.
	OUTB PIC1_CMD, 0x11
	OUTB PIC2_CMD, 0x11
	OUTB PIC1_DATA, IRQ0_VECTOR
	OUTB PIC2_DATA, 0x70
	OUTB PIC1_DATA, 0x04
	OUTB PIC2_DATA, 0x02
	OUTB PIC1_DATA, 0x01
	OUTB PIC2_DATA, 0x01
	OUTB PIC1_DATA, 0xfe
	OUTB PIC2_DATA, 0xff

	; The local APIC off (IA32_APIC_BASE.EN = 0), so the 8259 reaches the
	; CPU directly: QEMU leaves LINT0 masked for the firmware to set up.
	mov ecx, 0x1b
	rdmsr
	and ax, ~(1 << 11)
	wrmsr

	; 8254 channel 0: mode 2 (rate generator) at HZ.
	OUTB PIT_CTRL, 0x34
	OUTB PIT_CH0, (PIT_HZ / HZ) & 0xff
	OUTB PIT_CH0, (PIT_HZ / HZ) >> 8

	sti
.idle:
	hlt
	cmp dword [TICKS], SECONDS * HZ
	jb .idle
	cli
	xor al, al
	out EXIT_PORT, al
	hlt

; IRQ 0: count the tick (DS is 0 wherever it can strike) and end it.
irq0:
	push ax
	inc dword [TICKS]
	mov al, 0x20		; non-specific EOI
	out PIC1_CMD, al
	pop ax
	iret

%if $ - $$ > TICKS
%error image overlaps its tick counter
%endif

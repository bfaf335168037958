; SPDX-License-Identifier: MIT
;
; irq_ioapic - interrupts through the I/O APIC at 0xfec00000 and the
; local APIC, as an APIC-mode OS takes them (the split irqchip's ioapic
; device, or KVM's in-kernel one).
;
; A multiboot kernel in a flat binary (a.out kludge): modvmm starts it in
; 32-bit protected mode.  Needs the regbank example plugin at its default
; 0xd0000000 on line 10:
;
;   modvmm -d regbank.so build/guests/irq_ioapic.bin
;
; The 8259s are never programmed (they deliver nothing), LINT0 is masked
; and the local APIC is software-enabled.  Prints on COM1:
;   irq_ioapic: id 0xID ver 0xVER rte2 0xLOW     the registers as found
;   irq_ioapic: pit N                            edge: the PIT's IRQ 0 on
;                                                pin 2, vector 0x30, until
;                                                10 ticks came (N >= 10)
;   irq_ioapic: masked pit N                     pin 2 masked: ticks in
;                                                100 ms of PIT channel 2
;   irq_ioapic: held ds D irr R count C          level, pin 10 masked with
;                                                regbank's line asserted
;   irq_ioapic: level C irr I after irr R ds D   unmasked: the handler
;                                                (vector 0x40) counts,
;                                                sees remote IRR (I of C
;                                                times) and releases the
;                                                line at the 5th, before
;                                                its EOI; then the entry
;   irq_ioapic: quiet C irr R ds D               the count and the entry
;                                                after 100 ms more of PIT
;                                                channel 2
; Expected: masked pit 0, held ds 1 irr 0 count 0 (KVM's in-kernel I/O
; APIC does not model delivery status: ds 0), level 5 irr 5, and quiet
; with irr 0 ds 0.  The message the I/O APIC sent at the 5th handler's
; start may still be in flight when the loop ends ("after irr 1", one
; more handler run by "quiet": so it goes with KVM's in-kernel I/O APIC
; on the PVM host too); after it, nothing.  Exits through port 0xf4 with
; 0 (status 1); an exception exits with 2 (status 5).

bits 32
org 0x100000

%include "pc32.inc"
%include "mb_header.inc"

MB_FLAGS	equ 0x00010000	; a.out kludge: the addresses below

LAPIC		equ 0xfee00000
LAPIC_EOI	equ LAPIC + 0xb0
LAPIC_SVR	equ LAPIC + 0xf0
LAPIC_LINT0	equ LAPIC + 0x350
LVT_MASKED	equ 0x10000
SVR_ENABLE	equ 0x100

IOAPIC		equ 0xfec00000
IOREGSEL	equ IOAPIC
IOWIN		equ IOAPIC + 0x10
RTE_LEVEL	equ 1 << 15
RTE_MASK	equ 1 << 16
RTE_IRR		equ 1 << 14
RTE_DS		equ 1 << 12

RB		equ 0xd0000000	; regbank's default base
RB_IRQ_LEVEL	equ RB + 0x08

VEC_PIT		equ 0x30
VEC_LEVEL	equ 0x40
PIN_PIT		equ 2
PIN_LEVEL	equ 10
LEVEL_RUNS	equ 5
NR_VECTORS	equ 256
COUNT_50MS	equ 59659

MB_AOUT_HEADER MB_FLAGS

; print "text": a string literal kept inline.
%macro print 1
	jmp %%after
%%str:	db %1, 0
%%after:
	mov esi, %%str
	call puts
%endmacro

; ioapic_read index: EAX = register @index.
%macro ioapic_read 1
	mov dword [IOREGSEL], %1
	mov eax, [IOWIN]
%endmacro

; ioapic_write index, value
%macro ioapic_write 2
	mov dword [IOREGSEL], %1
	mov dword [IOWIN], %2
%endmacro

start:
	cli
	cld
	mov esp, stack_top
	call idt_init
	mov dword [LAPIC_SVR], SVR_ENABLE | 0xff
	mov dword [LAPIC_LINT0], LVT_MASKED

	print "irq_ioapic: id 0x"
	ioapic_read 0
	call puthex
	print " ver 0x"
	ioapic_read 1
	call puthex
	print " rte2 0x"
	ioapic_read 0x10 + 2 * PIN_PIT
	call puthex
	call newline

	; --- edge: the PIT on pin 2 -------------------------------------
	PIT_CH2_GATE
	PIT_CH0_RATE PIT_100HZ
	ioapic_write 0x11 + 2 * PIN_PIT, 0		; destination APIC 0
	ioapic_write 0x10 + 2 * PIN_PIT, VEC_PIT	; edge, fixed, unmasked
.tick:
	sti
	hlt
	cli
	cmp dword [ticks], 10
	jb .tick
	print "irq_ioapic: pit "
	mov eax, [ticks]
	call putdec
	call newline

	ioapic_write 0x10 + 2 * PIN_PIT, RTE_MASK | VEC_PIT
	mov dword [ticks], 0
	sti
	call wait_50ms
	call wait_50ms
	cli
	print "irq_ioapic: masked pit "
	mov eax, [ticks]
	call putdec
	call newline

	; --- level: regbank's line 10 on pin 10 -------------------------
	ioapic_write 0x11 + 2 * PIN_LEVEL, 0
	ioapic_write 0x10 + 2 * PIN_LEVEL, RTE_MASK | RTE_LEVEL | VEC_LEVEL
	mov dword [RB_IRQ_LEVEL], 1
	sti
	call wait_50ms
	cli
	print "irq_ioapic: held ds "
	ioapic_read 0x10 + 2 * PIN_LEVEL
	mov ebx, eax
	shr eax, 12
	and eax, 1
	call putdec
	print " irr "
	mov eax, ebx
	shr eax, 14
	and eax, 1
	call putdec
	print " count "
	mov eax, [level_count]
	call putdec
	call newline

	ioapic_write 0x10 + 2 * PIN_LEVEL, RTE_LEVEL | VEC_LEVEL
	sti
.level:
	cmp dword [level_count], LEVEL_RUNS
	jb .level
	cli
	print "irq_ioapic: level "
	mov eax, [level_count]
	call putdec
	print " irr "
	mov eax, [irr_seen]
	call putdec
	print " after irr "
	ioapic_read 0x10 + 2 * PIN_LEVEL
	mov ebx, eax
	shr eax, 14
	and eax, 1
	call putdec
	print " ds "
	mov eax, ebx
	shr eax, 12
	and eax, 1
	call putdec
	call newline

	sti
	call wait_50ms
	call wait_50ms
	cli
	print "irq_ioapic: quiet "
	mov eax, [level_count]
	call putdec
	print " irr "
	ioapic_read 0x10 + 2 * PIN_LEVEL
	mov ebx, eax
	shr eax, 14
	and eax, 1
	call putdec
	print " ds "
	mov eax, ebx
	shr eax, 12
	and eax, 1
	call putdec
	call newline

	mov al, 0x30			; stop channel 0
	out PIT_CTRL, al
	xor eax, eax
	jmp exit

newline:
	push eax
	mov al, 10
	call putc
	pop eax
	ret

; wait_50ms: PIT channel 2, mode 0, until OUT rises.
wait_50ms:
	PIT_CH2_WAIT COUNT_50MS
	ret

IDT_ROUTINE

irq_pit:
	inc dword [ticks]
	mov dword [LAPIC_EOI], 0
	IRETURN

; regbank's level line: remote IRR must be set while we run; the 5th
; time, drop the line before the EOI so that it does not come again
irq_level:
	push eax
	inc dword [level_count]
	ioapic_read 0x10 + 2 * PIN_LEVEL
	test eax, RTE_IRR
	jz .no_irr
	inc dword [irr_seen]
.no_irr:
	cmp dword [level_count], LEVEL_RUNS
	jb .eoi
	mov dword [RB_IRQ_LEVEL], 0
.eoi:
	mov dword [LAPIC_EOI], 0
	pop eax
	IRETURN

; the local APIC's spurious vector needs no EOI
irq_spurious:
	IRETURN

irq_other:
	print `irq_ioapic: FAIL unexpected vector\n`
	mov eax, 2
	jmp exit

exception:
	print `irq_ioapic: FAIL exception\n`
	mov eax, 2
	jmp exit

COM1_ROUTINES

PUTHEX_ROUTINE

align 4
handlers:
%rep 32
	dd exception
%endrep
%rep VEC_PIT - 32
	dd irq_other
%endrep
	dd irq_pit
%rep VEC_LEVEL - VEC_PIT - 1
	dd irq_other
%endrep
	dd irq_level
%rep 0xff - VEC_LEVEL - 1
	dd irq_other
%endrep
	dd irq_spurious

align 4
	dw 0
idt_desc:
	dw NR_VECTORS * 8 - 1
	dd idt

align 4
load_end:

ticks		equ load_end
level_count	equ load_end + 4
irr_seen	equ load_end + 8
idt		equ load_end + 16
stack_bottom	equ idt + NR_VECTORS * 8
stack_top	equ stack_bottom + 4096
bss_end		equ stack_top

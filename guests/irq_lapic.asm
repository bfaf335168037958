; SPDX-License-Identifier: MIT
;
; irq_lapic - how 8259 interrupts reach the CPU through the local APIC,
; as the guest finds the machine without firmware.
;
; A multiboot kernel in a flat binary (a.out kludge): modvmm starts it in
; 32-bit protected mode.  It reads IA32_APIC_BASE and, when the local APIC
; is enabled there, its SVR and LVT LINT0 registers, and prints them:
;   irq_lapic: cpuid.apic 1 apic_base 0xfee00900 svr 0x000000ff lint0 0x00000700
; (KVM's in-kernel LAPIC after reset: enabled in IA32_APIC_BASE, software-
; disabled in SVR, LINT0 unmasked in ExtINT mode, thanks to KVM's
; KVM_X86_QUIRK_LINT0_REENABLED; "no apic" replaces svr and lint0 when
; IA32_APIC_BASE bit 11 is clear.  With the userspace irqchip there is no
; LAPIC behind 0xfee00000: its registers read as unclaimed MMIO).  Then, with both 8259s programmed (bases 0x20/0x28, IRQ 0 open)
; and PIT channel 0 at 100 Hz, it counts the ticks that arrive in 100 ms
; of PIT channel 2 time in four set-ups, and prints one line each:
;   irq_lapic: reset N        as found
;   irq_lapic: masked N       SVR software-enabled, LINT0 masked
;   irq_lapic: extint N       SVR software-enabled, LINT0 ExtINT
;   irq_lapic: disabled N     APIC off through IA32_APIC_BASE bit 11
; (the LAPIC steps are skipped, and print "skipped", without a LAPIC).
; About 10 ticks get through wherever LINT0 or a disabled APIC lets the
; 8259 reach the CPU, 0 where LINT0 is masked.  Exits through port 0xf4
; with 0 (status 1); an exception exits with 2 (status 5).
;
;   modvmm build/guests/irq_lapic.bin

bits 32
org 0x100000

%include "pc32.inc"
%include "mb_header.inc"

MB_FLAGS	equ 0x00010000	; a.out kludge: the addresses below

MSR_APIC_BASE	equ 0x1b
APIC_BASE_EN	equ 0x800
LAPIC		equ 0xfee00000
LAPIC_SVR	equ LAPIC + 0xf0
LAPIC_LINT0	equ LAPIC + 0x350
LVT_MASKED	equ 0x10000
LVT_EXTINT	equ 0x700
SVR_ENABLE	equ 0x100

IRQ_BASE	equ 0x20
NR_VECTORS	equ IRQ_BASE + 16
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

start:
	cli
	cld
	mov esp, stack_top
	call idt_init

	print "irq_lapic: cpuid.apic "
	mov eax, 1
	cpuid
	mov eax, edx
	shr eax, 9			; CPUID.1:EDX bit 9, APIC
	and eax, 1
	call putdec
	print " apic_base 0x"
	mov ecx, MSR_APIC_BASE
	rdmsr
	mov [apic_base], eax
	call puthex
	test dword [apic_base], APIC_BASE_EN
	jz .no_apic
	print " svr 0x"
	mov eax, [LAPIC_SVR]
	call puthex
	print " lint0 0x"
	mov eax, [LAPIC_LINT0]
	call puthex
	jmp .probed
.no_apic:
	print " no apic"
.probed:
	mov al, 10
	call putc

	call pic_init
	PIT_CH2_GATE
	PIT_CH0_RATE PIT_100HZ		; channel 0: mode 2, 100 Hz

	print "irq_lapic: reset "
	call count_ticks

	print "irq_lapic: masked "
	test dword [apic_base], APIC_BASE_EN
	jz .skip_masked
	mov dword [LAPIC_SVR], SVR_ENABLE | 0xff
	mov dword [LAPIC_LINT0], LVT_MASKED | LVT_EXTINT
	call count_ticks
	jmp .extint
.skip_masked:
	call skipped

.extint:
	print "irq_lapic: extint "
	test dword [apic_base], APIC_BASE_EN
	jz .skip_extint
	mov dword [LAPIC_LINT0], LVT_EXTINT
	call count_ticks
	jmp .disable
.skip_extint:
	call skipped

.disable:
	print "irq_lapic: disabled "
	test dword [apic_base], APIC_BASE_EN
	jz .skip_disable
	mov ecx, MSR_APIC_BASE
	rdmsr
	and eax, ~APIC_BASE_EN
	wrmsr
	call count_ticks
	jmp .done
.skip_disable:
	call skipped

.done:
	mov al, 0x30			; stop channel 0
	out PIT_CTRL, al
	xor eax, eax
	jmp exit

skipped:
	print `skipped\n`
	ret

; count_ticks: print the IRQ 0 interrupts of 100 ms with IF=1.
count_ticks:
	mov dword [ticks], 0
	sti
	call wait_50ms
	call wait_50ms
	cli
	mov eax, [ticks]
	call putdec
	mov al, 10
	call putc
	ret

; wait_50ms: PIT channel 2, mode 0, until OUT rises.
wait_50ms:
	PIT_CH2_WAIT COUNT_50MS
	ret

IDT_ROUTINE

pic_init:
	PIC_INIT IRQ_BASE, 0xfe, 0xff	; IRQ 0 only
	ret

irq0:
	push eax
	inc dword [ticks]
	mov al, 0x20
	out PIC1_CMD, al
	pop eax
	IRETURN

; other 8259 vectors (spurious 7 and 15 included): EOI the master, go on
irq_other:
	push eax
	mov al, 0x20
	out PIC1_CMD, al
	pop eax
	IRETURN

exception:
	print `irq_lapic: FAIL exception\n`
	mov eax, 2
	jmp exit

COM1_ROUTINES

PUTHEX_ROUTINE

align 4
handlers:
%rep 32
	dd exception
%endrep
	dd irq0
%rep 15
	dd irq_other
%endrep

align 4
	dw 0
idt_desc:
	dw NR_VECTORS * 8 - 1
	dd idt

align 4
load_end:

ticks		equ load_end
apic_base	equ load_end + 4
idt		equ load_end + 16
stack_bottom	equ idt + NR_VECTORS * 8
stack_top	equ stack_bottom + 4096
bss_end		equ stack_top

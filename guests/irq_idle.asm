; SPDX-License-Identifier: MIT
;
; irq_idle - an idle protected-mode guest: 100 Hz timer interrupts through
; an IDT, "sti; hlt" in between, for a given number of ticks.
;
; A multiboot kernel in a flat binary (a.out kludge), so modvmm starts it
; in 32-bit protected mode and hands it the command line.  It builds an
; IDT (exceptions 0-31 and the 8259 vectors 0x20-0x2f), programs both
; 8259s (ICW1-ICW4, bases 0x20 and 0x28, IRQ 0 open), PIT channel 0 for
; 100 Hz (mode 2, count 11932), and sleeps until N ticks have come, N from
; "ticks=N" on the command line (default 1000: ten seconds).  Then it
; prints "irq_idle: N ticks, S spurious" and "irq_idle: M ms of PM timer"
; (the ACPI PM timer from just before the PIT was programmed to the last
; tick: at least 10 * N when the ticks come at the rate programmed) on
; COM1 and exits through port 0xf4 with 0 (status 1).  An exception or an unexpected 8259 vector
; prints "irq_idle: FAIL ..." and exits with 2 (status 5).
;
;   modvmm build/guests/irq_idle.bin                     (10 s)
;   modvmm --append ticks=100 build/guests/irq_idle.bin  (1 s)
;
; Ticks delivered against elapsed time is the PIT's drift; the modvmm
; process's CPU time over the run is the cost of an idle guest.

bits 32
org 0x100000

%include "pc32.inc"
%include "mb_header.inc"

MB_FLAGS	equ 0x00010000	; a.out kludge: the addresses below
MBI_FLAGS	equ 0
MBI_CMDLINE	equ 16
MBI_HAS_CMDLINE	equ 0x04

IRQ_BASE	equ 0x20
NR_VECTORS	equ IRQ_BASE + 16
DEFAULT_TICKS	equ 1000

MB_AOUT_HEADER MB_FLAGS

start:
	cli
	cld
	mov esp, stack_top
	mov dword [wanted], DEFAULT_TICKS
	test dword [ebx + MBI_FLAGS], MBI_HAS_CMDLINE
	jz .no_cmdline
	mov esi, [ebx + MBI_CMDLINE]
	call parse_ticks
.no_cmdline:
	call idt_init
	call pic_init
	PM_TMR_START pm_start
	PIT_CH0_RATE PIT_100HZ		; channel 0: mode 2, 100 Hz
.sleep:
	; sti takes effect after hlt has begun: no wake-up is lost
	cli
	mov eax, [ticks]
	cmp eax, [wanted]
	jae .done
	sti
	hlt
	jmp .sleep
.done:
	PM_TMR_MS pm_start
	mov [pm_ms], eax
	mov al, 0x30			; stop channel 0 (mode 0, no count)
	out PIT_CTRL, al
	mov esi, msg_name
	call puts
	mov eax, [ticks]
	call putdec
	mov esi, msg_ticks
	call puts
	mov eax, [spurious]
	call putdec
	mov esi, msg_spurious
	call puts
	mov esi, msg_name
	call puts
	mov eax, [pm_ms]
	call putdec
	mov esi, msg_pm
	call puts
	xor eax, eax
	jmp exit

; parse_ticks: ESI = command line; "ticks=N" anywhere sets [wanted].
parse_ticks:
.scan:
	cmp byte [esi], 0
	je .none
	mov edi, key_ticks
	mov ecx, esi
.cmp:
	mov al, [edi]
	test al, al
	jz .found
	cmp al, [ecx]
	jne .next
	inc edi
	inc ecx
	jmp .cmp
.next:
	inc esi
	jmp .scan
.found:
	xor eax, eax
.digit:
	movzx edx, byte [ecx]
	sub edx, '0'
	cmp edx, 9
	ja .end
	imul eax, eax, 10
	add eax, edx
	inc ecx
	jmp .digit
.end:
	test eax, eax
	jz .none
	mov [wanted], eax
.none:
	ret

; idt_init: gates for vectors 0 to NR_VECTORS - 1 in this code segment.
IDT_ROUTINE

; pic_init: master at IRQ_BASE, slave at IRQ_BASE + 8, only IRQ 0 open.
pic_init:
	PIC_INIT IRQ_BASE, 0xfe, 0xff	; IRQ 0 only
	ret

irq0:
	push eax
	inc dword [ticks]
	mov al, 0x20			; non-specific EOI
	out PIC1_CMD, al
	pop eax
	IRETURN

; A spurious IRQ 7 is not in service: no EOI.
irq7:
	inc dword [spurious]
	IRETURN

; A spurious IRQ 15 leaves the master's IR2 in service.
irq15:
	push eax
	inc dword [spurious]
	mov al, 0x20
	out PIC1_CMD, al
	pop eax
	IRETURN

EXCEPTION_ROUTINES

COM1_ROUTINES


align 4
handlers:
%assign v 0
%rep 32
	dd exc_ %+ v
%assign v v + 1
%endrep
	dd irq0
%rep 6
	dd irq_unexpected
%endrep
	dd irq7
%rep 7
	dd irq_unexpected
%endrep
	dd irq15

align 4
	dw 0
idt_desc:
	dw NR_VECTORS * 8 - 1
	dd idt

key_ticks	db "ticks=", 0
msg_name	db "irq_idle: ", 0
msg_ticks	db " ticks, ", 0
msg_spurious	db " spurious", 10, 0
msg_pm		db " ms of PM timer", 10, 0
msg_unexpected	db "irq_idle: FAIL unexpected 8259 vector", 10, 0
msg_exception	db "irq_idle: FAIL exception ", 0

align 4
load_end:

; bss: zeroed by the loader
ticks		equ load_end
spurious	equ load_end + 4
wanted		equ load_end + 8
pm_start	equ load_end + 12
pm_ms		equ load_end + 16
idt		equ load_end + 24
stack_bottom	equ idt + NR_VECTORS * 8
stack_top	equ stack_bottom + 4096
bss_end		equ stack_top

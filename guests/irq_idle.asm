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
; prints "irq_idle: N ticks, S spurious" on COM1 and exits through port
; 0xf4 with 0 (status 1).  An exception or an unexpected 8259 vector
; prints "irq_idle: FAIL ..." and exits with 2 (status 5).
;
;   modvmm build/guests/irq_idle.bin                     (10 s)
;   modvmm --append ticks=100 build/guests/irq_idle.bin  (1 s)
;
; Ticks delivered against elapsed time is the PIT's drift; the modvmm
; process's CPU time over the run is the cost of an idle guest.

bits 32
org 0x100000

MB_HEADER_MAGIC	equ 0x1badb002
MB_FLAGS	equ 0x00010000	; a.out kludge: the addresses below
MBI_FLAGS	equ 0
MBI_CMDLINE	equ 16
MBI_HAS_CMDLINE	equ 0x04

PIC1_CMD	equ 0x20
PIC1_DATA	equ 0x21
PIC2_CMD	equ 0xa0
PIC2_DATA	equ 0xa1
IRQ_BASE	equ 0x20
NR_VECTORS	equ IRQ_BASE + 16
PIT_CH0		equ 0x40
PIT_CTRL	equ 0x43
PIT_100HZ	equ 11932		; 1193182 Hz / 100
COM1		equ 0x3f8
EXIT_PORT	equ 0xf4
DEFAULT_TICKS	equ 1000

load_start:
	jmp start
align 4
mb_header:
	dd MB_HEADER_MAGIC
	dd MB_FLAGS
	dd -(MB_HEADER_MAGIC + MB_FLAGS)
	dd mb_header			; header_addr
	dd load_start			; load_addr
	dd load_end			; load_end_addr
	dd bss_end			; bss_end_addr
	dd start			; entry_addr

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
	mov al, 0x34			; channel 0, LSB then MSB, mode 2
	out PIT_CTRL, al
	mov ax, PIT_100HZ
	out PIT_CH0, al
	mov al, ah
	out PIT_CH0, al
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
idt_init:
	xor ecx, ecx
	mov cx, cs
	shl ecx, 16
	xor edi, edi
.gate:
	mov eax, [handlers + edi * 4]
	mov edx, eax
	and eax, 0xffff
	or eax, ecx			; selector:offset 15..0
	and edx, 0xffff0000
	or edx, 0x8e00			; present, DPL 0, 32-bit interrupt gate
	mov [idt + edi * 8], eax
	mov [idt + edi * 8 + 4], edx
	inc edi
	cmp edi, NR_VECTORS
	jb .gate
	lidt [idt_desc]
	ret

; pic_init: master at IRQ_BASE, slave at IRQ_BASE + 8, only IRQ 0 open.
pic_init:
	mov al, 0x11			; ICW1: edge, cascade, ICW4 follows
	out PIC1_CMD, al
	out PIC2_CMD, al
	mov al, IRQ_BASE		; ICW2: vector base
	out PIC1_DATA, al
	mov al, IRQ_BASE + 8
	out PIC2_DATA, al
	mov al, 0x04			; ICW3: slave on IR2
	out PIC1_DATA, al
	mov al, 0x02			; ICW3: slave ID 2
	out PIC2_DATA, al
	mov al, 0x01			; ICW4: 8086 mode, normal EOI
	out PIC1_DATA, al
	out PIC2_DATA, al
	mov al, 0xfe			; OCW1: IRQ 0 only
	out PIC1_DATA, al
	mov al, 0xff
	out PIC2_DATA, al
	ret

; IRETURN: return from an interrupt gate to the same privilege level.
; Not iretd: KVM's instruction emulator, which a nested KVM such as PVM
; runs CPL0 protected-mode code through, cannot emulate a protected-mode
; IRET.  EFLAGS first (IF back on), then EIP; CS is this segment.  An
; interrupt taken between the two nests on the same stack and returns
; to the RET, so nothing is lost.
%macro IRETURN 0
	push dword [esp + 8]
	popfd
	ret 8
%endmacro

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

irq_unexpected:
	mov esi, msg_unexpected
	call puts
	mov eax, 2
	jmp exit

; One stub per exception pushes its number for the common report.
%assign v 0
%rep 32
exc_ %+ v:
	push dword v
	jmp exception
%assign v v + 1
%endrep

exception:
	mov esi, msg_exception
	call puts
	pop eax
	call putdec
	mov al, 10
	call putc
	mov eax, 2
	jmp exit

; exit: EAX to the exit port; should that not stop us, halt with IF=0.
exit:
	out EXIT_PORT, al
	cli
	hlt
	jmp exit

; putc: AL to COM1 once its transmitter is empty.
putc:
	push eax
	push edx
	mov ah, al
	mov dx, COM1 + 5
.wait:
	in al, dx
	test al, 0x20
	jz .wait
	mov dx, COM1
	mov al, ah
	out dx, al
	pop edx
	pop eax
	ret

; puts: the NUL-terminated string at ESI.
puts:
	push eax
	push esi
.next:
	mov al, [esi]
	test al, al
	jz .done
	call putc
	inc esi
	jmp .next
.done:
	pop esi
	pop eax
	ret

; putdec: EAX in decimal.
putdec:
	push eax
	push ecx
	push edx
	push ebx
	mov ebx, 10
	xor ecx, ecx
.div:
	xor edx, edx
	div ebx
	push edx
	inc ecx
	test eax, eax
	jnz .div
.out:
	pop eax
	add al, '0'
	call putc
	loop .out
	pop ebx
	pop edx
	pop ecx
	pop eax
	ret

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
msg_unexpected	db "irq_idle: FAIL unexpected 8259 vector", 10, 0
msg_exception	db "irq_idle: FAIL exception ", 0

align 4
load_end:

; bss: zeroed by the loader
ticks		equ load_end
spurious	equ load_end + 4
wanted		equ load_end + 8
idt		equ load_end + 16
stack_bottom	equ idt + NR_VECTORS * 8
stack_top	equ stack_bottom + 4096
bss_end		equ stack_top

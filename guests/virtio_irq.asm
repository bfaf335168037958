; SPDX-License-Identifier: MIT
;
; virtio_irq - virtio-rng requests completed by interrupt: the used-buffer
; notification on the device's line, through the 8259 and an IDT, with
; the driver of virtio.inc for everything else:
;
;   modvmm --mode protected -d virtio-rng build/guests/virtio_irq.bin
;
; Flat 32-bit image, like virtio_rng.  It programs both 8259s (bases
; 0x20/0x28, IRQ 0 and the device's IRQ 5 open) and PIT channel 0 at
; 100 Hz, the bound of every wait.  Then, REQUESTS times: post a 16-byte
; device-writable buffer, notify, and sleep ("sti; hlt") until the IRQ 5
; handler has counted one more interrupt.  The handler reads
; InterruptStatus, acknowledges what it read, counts the interrupt if it
; had the used-buffer bit and sends the 8259 its EOI.  After each wake the
; used element must be there (that chain, 16 bytes).
;
; Output on the debug console (port 0xe9): "virtio_irq: N interrupts for
; N requests, S spurious" (S: interrupts with InterruptStatus 0), then
; exit 0 (status 1).  A request whose interrupt does not come within
; 2 s (200 ticks) prints "virtio_irq: FAIL step 3 error N" (N: the
; request) and exits 1 (status 3), as every failed step does; an
; unexpected vector or an exception exits 2 (status 5).  Needs the debug
; port, the in-kernel or userspace 8259 and RAM up to 0x80000.

bits 32
org 0x100000

%include "pc32.inc"
%include "virtio.inc"

%define CHECK_REG byte [fail_step]	; for check (pc.inc)

VIRTIO_ID_RNG	equ 4
IRQ_BASE	equ 0x20
VIRTIO_IRQ	equ 5
NR_VECTORS	equ IRQ_BASE + 16
RINGS		equ 0x20000	; 8 KiB: queue 0
BUF		equ 0x30000
BUF_LEN		equ 16
QUEUE_SIZE	equ 8
REQUESTS	equ 16
WAIT_TICKS	equ 200		; 2 s at 100 Hz

start:
	jmp short main
	times 8 - ($ - $$) db 0
window:	dd VIRTIO_DEFAULT_BASE		; offset 8, as in virtio_rng

main:
	cli
	cld
	mov esp, 0x80000
	call idt_init
	PIC_INIT IRQ_BASE, ~((1 << 0) | (1 << VIRTIO_IRQ)) & 0xff, 0xff
	PIT_CH0_RATE PIT_100HZ

	; 1, 2: the device and its queue.
	mov ebx, [window]
	mov eax, VIRTIO_ID_RNG
	xor edx, edx
	call virtio_init
	mov [fail_err], eax
	check nc, 1
	mov edi, vq0
	xor eax, eax
	mov ecx, QUEUE_SIZE
	mov edx, RINGS
	call virtio_queue_init
	mov [fail_err], eax
	check nc, 2
	call virtio_driver_ok

	; 3, 4: each request completes by interrupt.
.request:
	mov eax, [done]
	inc eax
	mov [fail_err], eax
	mov dword [bufs], BUF
	mov dword [bufs + 4], BUF_LEN
	mov dword [bufs + 8], VIRTQ_DESC_F_WRITE
	mov esi, bufs
	mov ecx, 1
	mov edi, vq0
	call virtio_submit
	mov [head], eax
	call wait_interrupt
	check nc, 3
	; the interrupt came after the push: the element is there already
	mov edi, vq0
	mov ecx, 1
	call virtio_wait_used
	check nc, 4
	cmp eax, [head]
	check e, 4
	cmp edx, BUF_LEN
	check e, 4
	inc dword [done]
	cmp dword [done], REQUESTS
	jb .request

	mov al, 0x30			; stop channel 0
	out PIT_CTRL, al
	mov esi, msg_name
	call puts
	mov eax, [irqs]
	call putdec
	mov esi, msg_for
	call puts
	mov eax, [done]
	call putdec
	mov esi, msg_requests
	call puts
	mov eax, [spurious]
	call putdec
	mov esi, msg_spurious
	call puts
	xor eax, eax
	jmp exit

FAIL_STEP_ERROR_ROUTINE

; wait_interrupt: sleep until [irqs] exceeds [done], at most WAIT_TICKS
; timer ticks.  CF=1 when the ticks ran out.  Clobbers EAX.
wait_interrupt:
	mov dword [ticks], 0
.sleep:
	; sti takes effect after hlt has begun: no wake-up is lost
	cli
	mov eax, [irqs]
	cmp eax, [done]
	ja .woken
	cmp dword [ticks], WAIT_TICKS
	jae .late
	sti
	hlt
	jmp .sleep
.woken:
	sti
	clc
	ret
.late:
	sti
	stc
	ret

; idt_init: gates for vectors 0 to NR_VECTORS - 1 in this code segment.
IDT_ROUTINE

irq0:
	push eax
	inc dword [ticks]
	mov al, 0x20			; non-specific EOI
	out PIC1_CMD, al
	pop eax
	IRETURN

; The device's line: what InterruptStatus says, acknowledged.
irq_virtio:
	push eax
	push ebx
	mov ebx, [window]
	mov eax, [ebx + VIRTIO_INT_STATUS]
	test eax, eax
	jz .spurious
	mov [ebx + VIRTIO_INT_ACK], eax
	test eax, 1			; a used buffer
	jz .eoi
	inc dword [irqs]
	jmp .eoi
.spurious:
	inc dword [spurious]
.eoi:
	mov al, 0x20
	out PIC1_CMD, al
	pop ebx
	pop eax
	IRETURN

; A spurious IRQ 7 is not in service: no EOI.
irq7:
	inc dword [spurious]
	IRETURN

EXCEPTION_ROUTINES

DEBUGCON32_ROUTINES
VIRTIO_ROUTINES

align 4
handlers:
%assign v 0
%rep 32
	dd exc_ %+ v
%assign v v + 1
%endrep
	dd irq0
%rep VIRTIO_IRQ - 1
	dd irq_unexpected
%endrep
	dd irq_virtio
	dd irq_unexpected
	dd irq7
%rep 8
	dd irq_unexpected
%endrep

align 4
	dw 0
idt_desc:
	dw NR_VECTORS * 8 - 1
	dd idt

msg_name	db "virtio_irq: ", 0
msg_for		db " interrupts for ", 0
msg_requests	db " requests, ", 0
msg_spurious	db " spurious", 10, 0
msg_fail	db "virtio_irq: FAIL step ", 0
msg_error	db " error ", 0
msg_unexpected	db "virtio_irq: FAIL unexpected 8259 vector", 10, 0
msg_exception	db "virtio_irq: FAIL exception ", 0

align 4
head		dd 0
done		dd 0
irqs		dd 0
ticks		dd 0
spurious	dd 0
fail_err	dd 0
fail_step	db 0
align 4
bufs		times VIRTQ_BUF_SIZE db 0
vq0		times VQ_SIZEOF db 0
align 8
idt		times NR_VECTORS * 8 db 0

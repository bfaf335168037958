; SPDX-License-Identifier: MIT
;
; mp_walk - finds the Intel MP tables as an OS does (the mptable device):
; scans 0xf0000-0xfffff for "_MP_" on 16-byte boundaries, checks the
; floating pointer's checksum, follows it to the "PCMP" configuration
; table, checks its checksum and walks its entries, counting the enabled
; processors (and the boot one) and noting the I/O APIC.
;
; Output on the debug console (0xE9):
;   mp_walk: floating pointer at 0x000f0000, checksums OK
;   mp_walk: N processors, boot 1, I/O APIC 0x000000NN at 0xfec00000, 15 ISA interrupts
; then exit 0 (status 1).  Failures print "mp_walk: FAIL step S" and exit
; with value 1 (status 3).
;
;   modvmm --cpus 4 --mode protected -d mptable mp_walk.bin

	bits 32
	org 0x100000

%include "pc32.inc"

%define CHECK_REG byte [fail_step]	; for check (pc.inc)

start:
	cld
	mov esp, 0x80000

	; 1: the floating pointer
	mov esi, 0xf0000
.scan:
	cmp dword [esi], '_MP_'
	jne .next
	movzx ecx, byte [esi + 8]
	shl ecx, 4
	call sum
	test al, al
	jz .found
.next:
	add esi, 16
	cmp esi, 0x100000
	jb .scan
	mov byte [fail_step], 1
	jmp fail
.found:
	mov [fp], esi

	; 2: the configuration table and its checksum
	mov esi, [esi + 4]
	cmp dword [esi], 'PCMP'
	check e, 2
	movzx ecx, word [esi + 4]
	call sum
	test al, al
	check z, 2
	mov esi, msg_fp
	call puts
	mov eax, [fp]
	call puthex
	mov esi, msg_sums
	call puts

	; 3: the entries
	mov esi, [fp]
	mov esi, [esi + 4]
	movzx ecx, word [esi + 34]
	add esi, 44
.entry:
	test ecx, ecx
	jz .done
	movzx eax, byte [esi]
	cmp al, 0
	je .cpu
	cmp al, 2
	je .ioapic
	cmp al, 3
	je .ioint
	cmp al, 4
	ja .bad
	add esi, 8
	dec ecx
	jmp .entry
.cpu:
	test byte [esi + 3], 1
	jz .cpu_next
	inc dword [cpus]
	test byte [esi + 3], 2
	jz .cpu_next
	inc dword [boots]
.cpu_next:
	add esi, 20
	dec ecx
	jmp .entry
.ioapic:
	movzx eax, byte [esi + 1]
	mov [ioapic_id], eax
	mov eax, [esi + 4]
	mov [ioapic_addr], eax
	add esi, 8
	dec ecx
	jmp .entry
.ioint:
	cmp byte [esi + 1], 0		; INT, not ExtINT
	jne .ioint_next
	inc dword [isa]
.ioint_next:
	add esi, 8
	dec ecx
	jmp .entry
.bad:
	mov byte [fail_step], 3
	jmp fail
.done:
	mov esi, msg_name
	call puts
	mov eax, [cpus]
	call putdec
	mov esi, msg_boot
	call puts
	mov eax, [boots]
	call putdec
	mov esi, msg_ioapic
	call puts
	mov eax, [ioapic_id]
	call puthex
	mov esi, msg_at
	call puts
	mov eax, [ioapic_addr]
	call puthex
	mov esi, msg_comma
	call puts
	mov eax, [isa]
	call putdec
	mov esi, msg_isa
	call puts
	xor eax, eax
	jmp exit

fail:
	mov esi, msg_fail
	call puts
	movzx eax, byte [fail_step]
	call putdec
	mov al, 10
	call putc
	mov al, 1
	jmp exit

; sum: AL = the byte sum of ECX bytes at ESI.  Clobbers EBX, EDX.
sum:
	xor eax, eax
	xor edx, edx
.add:
	cmp edx, ecx
	jae .end
	add al, [esi + edx]
	inc edx
	jmp .add
.end:
	ret

DEBUGCON32_ROUTINES
PUTHEX_ROUTINE

msg_fp		db "mp_walk: floating pointer at 0x", 0
msg_sums	db ", checksums OK", 10, 0
msg_name	db "mp_walk: ", 0
msg_boot	db " processors, boot ", 0
msg_ioapic	db ", I/O APIC 0x", 0
msg_at		db " at 0x", 0
msg_comma	db ", ", 0
msg_isa		db " ISA interrupts", 10, 0
msg_fail	db "mp_walk: FAIL step ", 0

align 4
fp		dd 0
cpus		dd 0
boots		dd 0
ioapic_id	dd 0
ioapic_addr	dd 0
isa		dd 0
fail_step	db 0

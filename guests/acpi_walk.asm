; SPDX-License-Identifier: MIT
;
; acpi_walk - finds the ACPI tables as an OS does and powers the machine
; off through them: scans 0xe0000-0xfffff for "RSD PTR " on 16-byte
; boundaries, checks the RSDP's two checksums, walks the XSDT (checking
; every table's checksum) to the MADT and the FADT, prints the number of
; enabled Processor Local APIC entries, then writes SLP_TYP 5 (\_S5) with
; SLP_EN to the PM1a control block the FADT names.
;
; Output on the debug console (0xE9):
;   acpi_walk: RSDP at 0x000e0000, checksums OK
;   acpi_walk: MADT lists 1 local APIC(s)
;   acpi_walk: S5 through PM1a_CNT 0x00000604
; and modvmm exits with status 0 ("acpi: guest powered off (ACPI S5)").
; Failures print "acpi_walk: FAIL ..." and exit through the exit port:
; value 1 (status 3) no RSDP, 2 (5) a bad checksum or table, 3 (7) the
; machine ran on after the S5 write.
;
;   modvmm --nodefaults -d debugport -d acpi --mode protected acpi_walk.bin

	bits 32
	org 0x100000

%include "exit.inc"

SLP_TYP_MASK	equ 0x1c00
SLP_S5		equ 5 << 10
SLP_EN		equ 0x2000

start:
	cli
	cld
	mov esp, 0x9fff0
	call find_rsdp
	mov [rsdp], eax
	mov esi, msg_rsdp
	call puts
	call puthex32
	mov esi, msg_sums
	call puts
	call walk_xsdt
	mov esi, msg_madt
	call puts
	call count_lapics
	call putdec
	mov esi, msg_lapics
	call puts
	jmp power_off

; find_rsdp: EAX = the RSDP's address, or fail with value 1.
find_rsdp:
	mov ebx, 0xe0000
.scan:
	cmp dword [ebx], 'RSD '
	jne .next
	cmp dword [ebx + 4], 'PTR '
	jne .next
	mov esi, ebx
	mov ecx, 20
	call checksum
	jnz .next
	cmp byte [ebx + 15], 2		; revision 2: the XSDT is there
	jb .next
	mov esi, ebx
	mov ecx, 36
	call checksum
	jnz bad_table
	mov eax, ebx
	ret
.next:
	add ebx, 16
	cmp ebx, 0x100000
	jb .scan
	mov esi, msg_no_rsdp
	call puts
	EXIT 1

; checksum: ZF set when the ECX bytes at ESI sum to 0 (modulo 256).
checksum:
	xor al, al
.add:
	add al, [esi]
	inc esi
	loop .add
	test al, al
	ret

; check_table: EBX = a table's address; its checksum must be good.
check_table:
	mov esi, ebx
	mov ecx, [ebx + 4]
	cmp ecx, 36
	jb bad_table
	call checksum
	jnz bad_table
	ret

bad_table:
	mov esi, msg_bad
	call puts
	EXIT 2

; walk_xsdt: [madt] and [fadt] from the XSDT's entries.
walk_xsdt:
	mov eax, [rsdp]
	cmp dword [eax + 28], 0		; above 4 GiB: not here
	jne bad_table
	mov ebx, [eax + 24]
	cmp dword [ebx], 'XSDT'
	jne bad_table
	call check_table
	mov ecx, [ebx + 4]
	sub ecx, 36
	shr ecx, 3
	lea edi, [ebx + 36]
.entry:
	test ecx, ecx
	jz .done
	cmp dword [edi + 4], 0
	jne bad_table
	mov ebx, [edi]
	push ecx
	call check_table
	pop ecx
	cmp dword [ebx], 'APIC'
	jne .not_madt
	mov [madt], ebx
.not_madt:
	cmp dword [ebx], 'FACP'
	jne .not_fadt
	mov [fadt], ebx
.not_fadt:
	add edi, 8
	dec ecx
	jmp .entry
.done:
	cmp dword [madt], 0
	je bad_table
	cmp dword [fadt], 0
	je bad_table
	ret

; count_lapics: EAX = enabled Processor Local APIC entries of the MADT.
count_lapics:
	mov ebx, [madt]
	mov edx, ebx
	add edx, [ebx + 4]		; the table's end
	lea esi, [ebx + 44]
	xor eax, eax
.entry:
	cmp esi, edx
	jae .done
	movzx ecx, byte [esi + 1]
	cmp ecx, 2
	jb bad_table
	cmp byte [esi], 0
	jne .next
	test byte [esi + 4], 1
	jz .next
	inc eax
.next:
	add esi, ecx
	jmp .entry
.done:
	ret

; power_off: SLP_TYP 5 and SLP_EN into PM1a_CNT, keeping its other bits.
power_off:
	mov ebx, [fadt]
	mov edx, [ebx + 64]		; PM1a_CNT_BLK
	test edx, edx
	jz bad_table
	mov esi, msg_s5
	call puts
	mov eax, edx
	call puthex32
	mov al, 10
	out DEBUGCON, al
	in ax, dx
	and ax, ~SLP_TYP_MASK
	or ax, SLP_S5 | SLP_EN
	out dx, ax
	mov esi, msg_ran_on
	call puts
	EXIT 3

; puts: the NUL-terminated string at ESI to the debug console.
puts:
	push eax
.next:
	lodsb
	test al, al
	jz .done
	out DEBUGCON, al
	jmp .next
.done:
	pop eax
	ret

; puthex32: EAX as 0x and eight hex digits.
puthex32:
	pushad
	mov ebx, eax
	mov al, '0'
	out DEBUGCON, al
	mov al, 'x'
	out DEBUGCON, al
	mov ecx, 8
.digit:
	rol ebx, 4
	mov al, bl
	and al, 0x0f
	add al, '0'
	cmp al, '9'
	jbe .out
	add al, 'a' - '0' - 10
.out:
	out DEBUGCON, al
	loop .digit
	popad
	ret

; putdec: EAX in decimal.
putdec:
	pushad
	mov ebx, 10
	xor ecx, ecx
.divide:
	xor edx, edx
	div ebx
	push edx
	inc ecx
	test eax, eax
	jnz .divide
.out:
	pop eax
	add al, '0'
	out DEBUGCON, al
	loop .out
	popad
	ret

msg_rsdp:	db "acpi_walk: RSDP at ", 0
msg_sums:	db ", checksums OK", 10, 0
msg_madt:	db "acpi_walk: MADT lists ", 0
msg_lapics:	db " local APIC(s)", 10, 0
msg_s5:		db "acpi_walk: S5 through PM1a_CNT ", 0
msg_no_rsdp:	db "acpi_walk: FAIL no RSDP in 0xe0000-0xfffff", 10, 0
msg_bad:	db "acpi_walk: FAIL bad checksum or table", 10, 0
msg_ran_on:	db "acpi_walk: FAIL still running after S5", 10, 0

	align 4
rsdp:	dd 0
madt:	dd 0
fadt:	dd 0

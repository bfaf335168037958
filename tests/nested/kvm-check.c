// SPDX-License-Identifier: MIT
/*
 * kvm-check [DEVICE] - exit 0 when DEVICE (default /dev/kvm) answers
 * KVM_GET_API_VERSION with the version this header knows and can create
 * a VM; otherwise print why on stderr and exit 1.
 *
 * Built statically into the nested guest's initramfs by mkinitramfs: the
 * initramfs has no compiler and busybox cannot issue an ioctl.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : "/dev/kvm";
	int kvm, vm, version;

	kvm = open(dev, O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		fprintf(stderr, "kvm-check: open %s: %s\n", dev, strerror(errno));
		return 1;
	}
	version = ioctl(kvm, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION) {
		fprintf(stderr, "kvm-check: %s: KVM_GET_API_VERSION gave %d (%s), want %d\n",
			dev, version, version < 0 ? strerror(errno) : "wrong version",
			KVM_API_VERSION);
		return 1;
	}
	/* The API answering is not enough: SVM must really switch on. */
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0) {
		fprintf(stderr, "kvm-check: %s: KVM_CREATE_VM: %s\n", dev, strerror(errno));
		return 1;
	}
	close(vm);
	close(kvm);
	printf("kvm-check: %s: API version %d, VM created\n", dev, version);
	return 0;
}

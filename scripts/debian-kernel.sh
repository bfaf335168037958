# SPDX-License-Identifier: MIT
# debian-kernel.sh - Debian's packaged x86-64 kernel, fetched once into a
# cache and unpacked there (never installed).  Sourced by
# tests/nested/run-nested (the nested KVM's kernel) and guests/linux/mkguest
# (the Linux guest's): one copy of the kernel for both.
#
# The caller defines unavailable MESSAGE (print it and exit), and gets:
#   pick_cache     sets CACHE: $NESTED_CACHE, /var/cache/modvmm-nested, or
#                  ~/.cache/modvmm-nested when that is not writable
#   fetch_kernel   $CACHE/kernel/ is the unpacked package, $CACHE/package
#                  its name and version
# $NESTED_KERNEL_PKG picks another package than linux-image-amd64's.

pick_cache() {
	CACHE=${NESTED_CACHE:-}
	if [ -z "$CACHE" ]; then
		CACHE=/var/cache/modvmm-nested
		mkdir -p "$CACHE" 2>/dev/null && [ -w "$CACHE" ] ||
			CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/modvmm-nested
	fi
	mkdir -p "$CACHE" 2>/dev/null && [ -w "$CACHE" ] ||
		unavailable "cache directory $CACHE is not writable (set NESTED_CACHE)"
}

# The package linux-image-amd64 points at: a real, signed Debian kernel
# with every module we need.
kernel_package() {
	if [ -n "${NESTED_KERNEL_PKG:-}" ]; then
		echo "$NESTED_KERNEL_PKG"
		return
	fi
	apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }'
}

# fetch_kernel: download and unpack once; later runs reuse it.  A newer
# Debian kernel is not picked up by itself (rm -r the cache for that):
# results should not change under a test run because the archive moved.
fetch_kernel() {
	local pkg deb version

	[ -s "$CACHE/package" ] && [ -d "$CACHE/kernel/boot" ] && return
	command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null ||
		unavailable "no apt-get/dpkg to fetch Debian's kernel package"
	pkg=$(kernel_package)
	[ -n "$pkg" ] ||
		unavailable "apt-cache knows no linux-image-amd64 (run apt-get update)"
	echo "${0##*/}: downloading $pkg into $CACHE (once)" >&2
	rm -rf "$CACHE/deb" "$CACHE/kernel" "$CACHE/kernel.tmp" "$CACHE/initramfs"* \
		"$CACHE/vmlinux"
	mkdir -p "$CACHE/deb"
	# The _apt sandbox user may not write to the cache: download as us.
	(cd "$CACHE/deb" && timeout 900 apt-get download -q \
		-o APT::Sandbox::User="$(id -un)" "$pkg" >"$CACHE/download.log" 2>&1) ||
		unavailable "apt-get download $pkg failed (see $CACHE/download.log)"
	deb=$(echo "$CACHE"/deb/"$pkg"_*.deb)
	[ -f "$deb" ] || unavailable "apt-get download $pkg left no .deb"
	version=$(dpkg-deb -f "$deb" Version) && dpkg -x "$deb" "$CACHE/kernel.tmp" ||
		unavailable "cannot unpack $deb"
	mv "$CACHE/kernel.tmp" "$CACHE/kernel"
	echo "$pkg $version" >"$CACHE/package"
}


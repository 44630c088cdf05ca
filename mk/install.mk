# SPDX-License-Identifier: MIT
# mk/install.mk: installing ringvisor like software (issue 15), included by
# the Makefile. docs/deploy-systemd.md is the guide.
#
#   make && sudo make install        # build as yourself, install as root
#   sudo make uninstall              # from the same tree: removes what install put
#   make deb                         # $(BUILD)/deb/ringvisor_<version>_<arch>.deb
#   make test-install test-deb       # the tests of both (root; test-deb installs
#                                    # and purges the package on this machine)
#
# Paths, each overridable on the command line:
#   PREFIX      /usr/local (the Debian package uses /usr)
#   BINDIR      $(PREFIX)/bin
#   SYSCONFDIR  /etc, for both prefixes: the unit reads /etc/ringvisor/ringvisor.yaml
#   DOCDIR      $(PREFIX)/share/doc/ringvisor
#   MANDIR      $(PREFIX)/share/man
#   UNITDIR     /lib/systemd/system when PREFIX is /usr: where Debian 12's
#               packages put units and the only place its dh_installsystemd
#               (debhelper 13.11) looks (`pkg-config --variable=
#               systemdsystemunitdir systemd` says the same); else
#               $(PREFIX)/lib/systemd/system, which systemd searches too
#               (/usr/local/lib/systemd/system is on its unit path).
#   DESTDIR     prepended to every path (staged installs, the package build)
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SYSCONFDIR ?= /etc
DOCDIR ?= $(PREFIX)/share/doc/ringvisor
MANDIR ?= $(PREFIX)/share/man
UNITDIR ?= $(if $(filter /usr,$(patsubst %/,%,$(PREFIX))),/lib/systemd/system,$(PREFIX)/lib/systemd/system)
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/vendor-completions
INSTALL ?= install

# Man pages: the ones `make` builds from the docs (MAN_PAGES, the suffix is
# the section) and any kept in man/; shell completions: dist/completion/
# ringvisor.bash and _ringvisor (zsh). uninstall removes the same list.
INSTALL_MAN := $(MAN_PAGES) $(wildcard man/*.[1-8])
INSTALL_BASHCOMP := $(wildcard dist/completion/ringvisor.bash)
INSTALL_ZSHCOMP := $(wildcard dist/completion/_ringvisor)
INSTALL_DOCS := $(wildcard docs/*.md)
# The config that becomes $(SYSCONFDIR)/ringvisor/ringvisor.yaml when there
# is none, also kept as examples/ringvisor.yaml beside the full example.
INSTALL_CONF := dist/ringvisor.yaml
INSTALL_EXAMPLES := configs/example.yaml $(INSTALL_CONF)

IDEST := $(DESTDIR)
IDEST_CONF := $(IDEST)$(SYSCONFDIR)/ringvisor/ringvisor.yaml
UNIT_SED := -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g'

.PHONY: install uninstall deb test-install test-deb

# Depends on the binary, not on `all`: after `make`, `sudo make install`
# finds it up to date and only copies (no object owned by root in build/);
# it compiles only what is really out of date. The unit is written straight
# into its place (sed), not generated into $(BUILD) as root.
install: $(BUILD)/ringvisor $(MAN_PAGES)
	$(Q)$(INSTALL) -d -m 0755 '$(IDEST)$(BINDIR)' '$(IDEST)$(UNITDIR)' '$(IDEST)$(DOCDIR)/examples' \
		'$(IDEST)$(SYSCONFDIR)/ringvisor'
	$(Q)$(INSTALL) -m 0755 $(BUILD)/ringvisor '$(IDEST)$(BINDIR)/ringvisor'
	$(Q)sed $(UNIT_SED) dist/ringvisor.service.in >'$(IDEST)$(UNITDIR)/ringvisor.service'
	$(Q)chmod 0644 '$(IDEST)$(UNITDIR)/ringvisor.service'
	$(Q)$(INSTALL) -m 0644 $(INSTALL_DOCS) '$(IDEST)$(DOCDIR)/'
	$(Q)$(INSTALL) -m 0644 $(INSTALL_EXAMPLES) '$(IDEST)$(DOCDIR)/examples/'
	$(Q)if [ -e '$(IDEST_CONF)' ]; then echo "  KEEP    $(IDEST_CONF) (already there)"; \
	else $(INSTALL) -m 0644 $(INSTALL_CONF) '$(IDEST_CONF)'; fi
	$(Q)for f in $(INSTALL_MAN); do s=$${f##*.}; \
		$(INSTALL) -D -m 0644 "$$f" '$(IDEST)$(MANDIR)'/man$$s/$${f##*/} || exit 1; done
	$(Q)$(if $(INSTALL_BASHCOMP),$(INSTALL) -D -m 0644 $(INSTALL_BASHCOMP) '$(IDEST)$(BASHCOMPDIR)/ringvisor')
	$(Q)$(if $(INSTALL_ZSHCOMP),$(INSTALL) -D -m 0644 $(INSTALL_ZSHCOMP) '$(IDEST)$(ZSHCOMPDIR)/_ringvisor')
	@echo "  INSTALL $(IDEST)$(BINDIR)/ringvisor, $(IDEST)$(UNITDIR)/ringvisor.service, $(IDEST)$(DOCDIR)"

# Removes what install put there, by the same lists (so run it from the same
# tree). The config stays when it differs from the one install writes (the
# admin's edits are theirs): it is removed only when it equals
# dist/ringvisor.yaml or the examples/ringvisor.yaml installed beside it.
# Directories go only when empty; BINDIR, UNITDIR and MANDIR are shared.
uninstall:
	$(Q)if [ -f '$(IDEST_CONF)' ]; then \
		if cmp -s '$(IDEST_CONF)' $(INSTALL_CONF) || cmp -s '$(IDEST_CONF)' '$(IDEST)$(DOCDIR)/examples/ringvisor.yaml'; \
		then rm -f '$(IDEST_CONF)'; \
		else echo "  KEEP    $(IDEST_CONF): edited since install, yours to remove"; fi; fi
	$(Q)rm -f '$(IDEST)$(BINDIR)/ringvisor' '$(IDEST)$(UNITDIR)/ringvisor.service' \
		$(foreach f,$(INSTALL_DOCS),'$(IDEST)$(DOCDIR)/$(notdir $(f))') \
		$(foreach f,$(INSTALL_EXAMPLES),'$(IDEST)$(DOCDIR)/examples/$(notdir $(f))') \
		$(foreach f,$(INSTALL_MAN),'$(IDEST)$(MANDIR)/man$(subst .,,$(suffix $(f)))/$(notdir $(f))') \
		$(if $(INSTALL_BASHCOMP),'$(IDEST)$(BASHCOMPDIR)/ringvisor') \
		$(if $(INSTALL_ZSHCOMP),'$(IDEST)$(ZSHCOMPDIR)/_ringvisor')
	$(Q)for d in '$(IDEST)$(DOCDIR)/examples' '$(IDEST)$(DOCDIR)' '$(IDEST)$(SYSCONFDIR)/ringvisor'; do \
		[ ! -d "$$d" ] || rmdir --ignore-fail-on-non-empty "$$d"; done
	@echo "  UNINSTALL from $(or $(IDEST),/)"

# The .deb, built by dpkg-buildpackage from a copy of the tree (HEAD's files
# plus the working tree's changes, without build/ or .git) in
# $(BUILD)/deb-src/, so that nothing it runs (debian/rules clean among them)
# touches this tree; the package lands in $(BUILD)/deb/. scripts/build-deb.sh.
deb:
	$(Q)bash scripts/build-deb.sh '$(abspath $(BUILD))'

# make install into a temp DESTDIR: every file there with its mode, the unit
# accepted by systemd-analyze verify, uninstall leaving no file behind.
test-install: $(BUILD)/ringvisor $(MAN_PAGES)
	$(Q)MAKE='$(MAKE)' bash scripts/test-install.sh '$(BUILD)'

# The package: built (deb), lintian clean of errors, installed, its
# /usr/bin/ringvisor run on the demo config, purged without a trace.
test-deb: deb
	$(Q)bash scripts/test-deb.sh '$(abspath $(BUILD))'

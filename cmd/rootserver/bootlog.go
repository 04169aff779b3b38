package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/cohesix/cohesix/services/manifest"
)

// writeBootLog prints the boot banner, the manifest fingerprint with its key
// fields, the namespace mounts and the ticket registration, in the order of
// the reference root task's serial log (BUILD_PLAN milestone 8b), so logs of
// either implementation can be compared line by line. Every value comes from
// the generated manifest tables, as /proc/boot does.
func writeBootLog(w io.Writer, embedding string) {
	p := func(format string, args ...any) { fmt.Fprintf(w, "[cohesix:root-task] "+format+"\n", args...) }
	boot := manifest.BootLines()
	p("%s", boot[0]) // "Cohesix boot: root-task online"
	p("Cohesix v0 (Go, %s)", embedding)
	p("manifest.schema=%s", manifest.SchemaVersion)
	p("manifest.profile=%s", manifest.ProfileName)
	p("manifest.sha256=%s", manifest.Fingerprint)
	tickets := manifest.Tickets()
	p("manifest.tickets=%d", len(tickets))
	s9 := manifest.Secure9P()
	p("manifest.namespaces=%d role_isolation=%t", len(manifest.Mounts()), s9.RoleIsolation)
	p("manifest.secure9p.msize=%d", s9.MaxMessageSize)
	p("manifest.secure9p.walk_depth=%d", s9.MaxWalkDepth)
	p("manifest.secure9p.tags_per_session=%d", s9.TagsPerSession)
	p("manifest.secure9p.batch_frames=%d", s9.BatchFrames)
	p("manifest.secure9p.short_write.policy=%s", s9.ShortWritePolicy)
	sh := manifest.Sharding()
	p("manifest.sharding.enabled=%t", sh.Enabled)
	p("manifest.sharding.shard_bits=%d", sh.ShardBits)
	p("manifest.sharding.legacy_worker_alias=%t", sh.LegacyWorkerAlias)
	p("manifest.sharding.shard_count=%d", sh.ShardCount)
	for _, l := range boot[1:] {
		if strings.HasPrefix(l, "telemetry.") {
			p("%s", l)
		}
	}
	c := manifest.Cache()
	p("manifest.cache.kernel_ops=%t", c.KernelOps)
	p("manifest.cache.dma_clean=%t", c.DMAClean)
	p("manifest.cache.dma_invalidate=%t", c.DMAInvalidate)
	p("manifest.cache.unify_instructions=%t", c.UnifyInstructions)
	p("manifest.features.net_console=%t", manifest.FeatureToggles().NetConsole)
	p("event_pump.fds=%s", strings.Join(manifest.EventPump().FDs, ","))
	for _, m := range manifest.Mounts() {
		p("[manifest] mount service=%s target=%s", m.Service, m.Path)
	}
	for _, t := range tickets {
		p("[manifest] ticket role=%s source=generated", t.Role)
	}
}

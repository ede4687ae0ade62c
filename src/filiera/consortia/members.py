"""What the rules and the builder know about one organisation of a consortium."""

from __future__ import annotations

from dataclasses import dataclass, field

SME_KINDS = frozenset({"sme", "startup"})


@dataclass(frozen=True)
class Member:
    """One (candidate) partner: where it is established, what it is, who controls it."""

    org_id: int
    name: str
    country: str | None
    kind: str
    regions: tuple[str, ...] = ()  # NUTS codes of the organisation and its sites
    control_group: str | None = None
    controlled_from: str | None = None
    pic: str | None = None
    capabilities: frozenset[str] = field(default_factory=frozenset)

    @property
    def sme(self) -> bool:
        return self.kind in SME_KINDS

    @property
    def group(self) -> str:
        """Entities of one group are under common control; an undeclared one is its own."""
        if self.control_group:
            return "g:" + self.control_group.strip().casefold()
        return f"o:{self.org_id}"

    def in_region(self, codes: tuple[str, ...]) -> str | None:
        """The first of `codes` (NUTS, any level) the organisation or a site lies in."""
        for code in codes:
            if any(region.startswith(code) for region in self.regions):
                return code
        return None

"""What a match answers: the shapes the API and the CLI's `--json` share."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from filiera.match.service import MatchResult


class Explanation(BaseModel):
    model_config = ConfigDict(extra="allow")
    kind: str = Field(examples=["project"])
    text: str = Field(examples=["Coordinator in ProMa (2024): Projectiles manufacturing"])


class MatchHitOut(BaseModel):
    rank: int = Field(description="Position in the whole ranking, from 1 (continues on page 2)")
    id: int
    pic: str | None = None
    name: str
    country: str | None = None
    kind: str
    synthetic: bool = Field(description="Synthetic demo record, not a real organisation")
    score: float = Field(description="Graded relevance in [0, 1]")
    parts: dict[str, float] = Field(
        description="The scaled parts of the score: profile, projects, record"
    )
    explanations: list[Explanation]


class RankingOut(BaseModel):
    model: str = Field(
        description="`learned`: the shipped or trained model ordered the best candidates; "
        "`fixed`: the fixed weights did (no usable model, or it did not beat them)",
        examples=["learned"],
    )
    notice: str | None = Field(
        None,
        description="Why the fixed weights were used when a model was expected",
        examples=[None],
    )
    related_projects_power: float | None = Field(
        None,
        description="How steeply the organisations' related projects weighed: 8 for a long "
        "need (a near-identical past project counts most), down to 2 for a need of ten "
        "words or fewer (every related project counts)",
        examples=[2.0],
    )


class MatchOut(BaseModel):
    query: str
    lang: str
    concepts: list[str] = Field(description="Capabilities and glossary terms understood")
    candidates: int = Field(
        description="Organisations passing the filters with a score > 0 among those you may "
        "see: the total to page through"
    )
    offset: int = Field(description="Results skipped before the first one given")
    synthetic_left_out: int = Field(
        description="Matching synthetic organisations left out because real ones match "
        "(`include_synthetic: true` shows them)"
    )
    ranking: RankingOut
    results: list[MatchHitOut]


def match_out(result: MatchResult) -> MatchOut:
    hits = [
        MatchHitOut(
            rank=rank,
            id=h.org_id,
            pic=h.pic,
            name=h.name,
            country=h.country,
            kind=h.kind,
            synthetic=h.synthetic,
            score=h.score,
            parts=h.parts,
            explanations=[Explanation(**e) for e in h.explanations],
        )
        for rank, h in enumerate(result.results, result.offset + 1)
    ]
    return MatchOut(
        query=result.query,
        lang=result.lang,
        concepts=result.concepts,
        candidates=result.candidates,
        offset=result.offset,
        synthetic_left_out=result.synthetic_left_out,
        ranking=RankingOut(
            model=result.ranking.model,
            notice=result.ranking.notice,
            related_projects_power=result.ranking.related_projects_power,
        ),
        results=hits,
    )

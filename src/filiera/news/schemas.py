"""Request and response shapes of the news API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Upload(BaseModel):
    name: str = Field(description="A name for the input (a file name), shown in messages")
    content: str = Field(description="The article: plain text, HTML or an RSS/Atom feed")


class IngestIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "urls": ["https://example.org/news/rss.xml"],
                    "documents": [
                        {
                            "name": "launch.txt",
                            "content": "Il 24 novembre è stata lanciata LuxDefence, "
                            "l'associazione che riunisce oltre 80 aziende.",
                        }
                    ],
                    "lang": "auto",
                }
            ]
        }
    )
    urls: list[str] = Field(default_factory=list, max_length=50)
    documents: list[Upload] = Field(default_factory=list, max_length=50)
    lang: str = Field("auto", description="auto, or the ISO 639-1 code of every input")
    credit: str | None = Field(None, max_length=300, description="Publisher or licence line")


class ArticleOut(BaseModel):
    id: int
    title: str | None
    url: str | None
    published: str | None
    lang: str
    kind: str
    given_as: str
    credit: str | None
    facts: dict[str, int] = Field(description="Accepted facts by kind (all, for reviewers)")


class ArticleList(BaseModel):
    total: int
    items: list[ArticleOut]


class FactOut(BaseModel):
    id: int
    kind: str
    text: str
    start: int | None
    end: int | None
    sentence: str | None
    status: str
    date: str | None
    data: dict[str, Any]
    organisation_ids: list[int]
    source: str | None = None
    note: str | None = None
    article: dict[str, Any] | None = None


class ArticleDetail(ArticleOut):
    text: str
    fact_list: list[FactOut]


class DecisionIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"decision": "accept", "changes": {"amount": 1200000000, "currency": "EUR"}},
                {"decision": "accept", "create_organisation": True},
                {"decision": "reject", "note": "not an organisation"},
            ]
        }
    )
    decision: Literal["accept", "reject"]
    changes: dict[str, Any] = Field(default_factory=dict)
    create_organisation: bool = False
    note: str | None = Field(None, max_length=2000)


class WatchIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"name": "Ammunition plants", "query": "munizioni", "kinds": ["capacity_expansion"]}
            ]
        }
    )
    name: str = Field(max_length=200)
    query: str | None = Field(None, max_length=500)
    organisation_id: int | None = None
    kinds: list[str] = Field(default_factory=list, max_length=20)


class WatchOut(BaseModel):
    id: int
    name: str
    query: str | None
    organisation_id: int | None
    kinds: list[str]

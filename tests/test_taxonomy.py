"""The capability taxonomy and certification vocabulary shipped as YAML data."""

from __future__ import annotations

import copy

import pytest

from filiera.errors import ConfigurationError, NotFound
from filiera.registry import taxonomy as tx
from filiera.registry.values import clean_nace

CONVENTIONS = """
air: air.combat_aircraft, air.rotorcraft, air.uas, air.aerostructures, air.avionics
land: land.armoured_vehicles, land.weapons, land.soldier_systems
naval: naval.shipbuilding, naval.underwater, naval.naval_systems
space: space.launchers, space.satellites, space.earth_observation, space.satcom, space.ssa, space.ground_segment
cyber: cyber.defence, cyber.cryptography
c4isr: c4isr.command_control, c4isr.communications, c4isr.isr
electronics: electronics.radar, electronics.electro_optics, electronics.electronic_warfare, electronics.microelectronics
munitions: munitions.ammunition, munitions.propellants, munitions.explosives, munitions.missiles
propulsion: propulsion.aero_engines, propulsion.rocket_motors, propulsion.power_energy
materials: materials.composites, materials.metals, materials.protection
additive: additive.metal, additive.polymer
ai_autonomy: ai_autonomy.ai, ai_autonomy.robotics, ai_autonomy.swarming
simulation: simulation.training, simulation.digital_twin
logistics: logistics.mro, logistics.supply_chain
testing: testing.test_ranges, testing.certification, testing.qualification
cbrn: cbrn.detection, cbrn.protection
medical: medical.combat_casualty_care
"""  # noqa: E501
EXPECTED = {
    line.split(":")[0]: [c.strip() for c in line.split(":")[1].split(",")]
    for line in CONVENTIONS.strip().splitlines()
}
CERTIFICATIONS = {
    "en9100",
    "iso9001",
    "aqap2110",
    "aqap2310",
    "iso27001",
    "iso14001",
    "iso45001",
    "nadcap",
    "easa_part21",
    "easa_part145",
    "facility_security_clearance",
}


def test_taxonomy_has_exactly_the_agreed_codes():
    assert tx.roots() == list(EXPECTED)
    for root, kids in EXPECTED.items():
        assert tx.children(root) == kids
    assert len(tx.capabilities()) == len(EXPECTED) + sum(map(len, EXPECTED.values()))


def test_every_node_is_complete():
    for node in tx.capabilities().values():
        assert set(node.labels) == set(tx.LANGUAGES)
        for lang in tx.LANGUAGES:
            assert 5 <= len(node.keywords[lang]) <= 15, (node.code, lang)
        assert all(clean_nace(code) == code for code in node.nace)


def test_navigation_and_labels():
    assert tx.ancestors("munitions.ammunition") == ["munitions"]
    assert tx.ancestors("air") == []
    assert tx.capability("air.uas").parent == "air"
    assert tx.label("munitions.ammunition", "it") == "Munizioni"
    assert tx.label("electronics.radar", "xx") == "Radar"  # unknown language: English
    assert "munizioni" in tx.capability("munitions.ammunition").keywords["it"]
    with pytest.raises(NotFound):
        tx.capability("air.balloons")
    with pytest.raises(NotFound):
        tx.children("nope")


def test_capabilities_for_nace():
    assert tx.capabilities_for_nace("25.30") == [
        "land",
        "land.weapons",
        "munitions",
        "munitions.ammunition",
        "munitions.missiles",
    ]
    assert "air.combat_aircraft" in tx.capabilities_for_nace("3032")
    assert "air.combat_aircraft" in tx.capabilities_for_nace("30.3")  # group covers its classes
    assert "naval.shipbuilding" in tx.capabilities_for_nace("30")  # and so does a division
    assert tx.capabilities_for_nace("01.11") == []


def test_certifications():
    assert set(tx.certifications()) == CERTIFICATIONS
    assert tx.certification("iso9001").typical_validity_years == 3
    assert tx.certification("easa_part145").issuer_kind == "aviation_authority"
    assert tx.certification_label("facility_security_clearance", "it").startswith("Nulla osta")
    with pytest.raises(NotFound):
        tx.certification("iso0000")


def _raw() -> list[dict]:
    return copy.deepcopy(tx._read("capabilities.yaml"))


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (lambda d: d.append(copy.deepcopy(d[0])), "duplicate"),
        (lambda d: d[1].update(parent="nowhere"), "unknown parent"),
        (lambda d: d[1]["labels"].pop("de"), "missing labels for de"),
        (lambda d: d[1]["keywords"].update(fr=["un"]), "1 fr keywords"),
        (lambda d: d[1].update(nace=["30.30"]), "NACE"),
        (lambda d: d[0].update(parent="air.uas"), "must start with its parent"),
        (lambda d: d[1].update(parent=None), "orphan"),
        (lambda d: d[1].update(parent="land"), "must start with its parent"),
    ],
)
def test_broken_taxonomy_is_rejected(breakage, message):
    data = _raw()
    tx.build_capabilities(data)  # the shipped data is fine
    breakage(data)
    with pytest.raises(ConfigurationError, match=message):
        tx.build_capabilities(data)


def test_broken_certifications_are_rejected():
    data = copy.deepcopy(tx._read("certifications.yaml"))
    data[0]["issuer_kind"] = "friend"
    with pytest.raises(ConfigurationError, match="issuer_kind"):
        tx.build_certifications(data)

"""Sentence and headline templates for the synthetic battery/EV news corpus.

Slots in braces are filled by ``corpus.py``: entity slots ({company}, {company2},
{person}, {place}, {org}, {policy}, {material}, {product}) with catalogue names, and
quantity slots ({gwh}, {money}, {pct}, {tonnes}, {year}, {price}, {count}) with
plausible figures. Filler sentences carry no slot, so documents also have the
common-word bulk that real articles have (it is what makes queries non-trivial).
"""

from __future__ import annotations

HEADLINES: tuple[str, ...] = (
    "{company} to build {gwh} gigafactory in {place}",
    "{company} signs {material} supply deal with {company2}",
    "{material} prices fall as {place} output rises",
    "{material} prices climb on supply concerns in {place}",
    "{org} opens probe into {company} battery imports",
    "{company} posts {pct} rise in quarterly battery sales",
    "{person} says {company} will expand in {place}",
    "{policy} reshapes battery investment in {place}",
    "{company} and {company2} form joint venture for {product}",
    "{company} delays {place} plant as EV demand slows",
    "{company} raises {money} for {material} refining",
    "Battery makers race to secure {material} as {policy} rules tighten",
    "{place} approves {money} battery materials project",
    "{company} unveils new {product} with faster charging",
    "{company} cuts {material} output amid price slump",
    "Analysts expect {material} surplus to persist into {year}",
    "{company} wins {gwh} energy storage order in {place}",
    "{org} report warns of {material} shortfall by {year}",
    "{company} shares jump after {company2} licensing agreement",
    "Sodium-ion batteries gain ground as {company} starts mass production",
)

SENTENCES: tuple[str, ...] = (
    "{company} said it would invest {money} in a new cell plant in {place}.",
    "The facility is expected to reach an annual capacity of {gwh} by {year}.",
    "{company} has signed a long-term agreement to buy {material} from {company2}.",
    "{person}, who leads the company, told reporters that demand remained strong.",
    "Prices for {material} have fallen by {pct} since the start of the year.",
    "Spot {material} traded at {price} per tonne last week, according to market data.",
    "The deal covers about {tonnes} of {material} over five years.",
    "{org} said the review would examine whether imports had harmed domestic producers.",
    "Under the {policy}, automakers must source a growing share of battery components locally.",
    "{company} shipped {gwh} of batteries in the quarter, up {pct} from a year earlier.",
    "Analysts said the move could reshape competition in {place}.",
    "{company} and {company2} will jointly develop {product} for the European market.",
    "The company expects the plant in {place} to create {count} jobs.",
    "Shares of {company} rose {pct} in early trading.",
    "Battery makers in {place} have been adding capacity faster than demand has grown.",
    "The {policy} has prompted a wave of announcements across the supply chain.",
    "{person} said the group was in talks with several carmakers about licensing.",
    "Output of {material} in {place} climbed to {tonnes} last year.",
    "{company} plans to supply {product} cells to {company2} from {year}.",
    "Lithium iron phosphate cells now account for {pct} of new installations.",
    "The refinery will process {tonnes} of {material} a year once fully ramped up.",
    "{org} estimates that global battery demand will exceed {gwh} by {year}.",
    "The project received {money} in grants and loans from {org}.",
    "{company} reported a net profit of {money} for the period.",
    "Energy storage projects in {place} added {gwh} of capacity in the first half.",
    "Contract prices for {material} were negotiated at {price} per tonne.",
    "{company} said it had started trial production of {product} at its {place} site.",
    "Industry executives warned that tariffs under the {policy} could raise costs.",
    "{person} told analysts on an earnings call that margins had stabilised.",
    "{company2} said the partnership would help it meet rising orders from automakers.",
    "Exploration at the {place} deposit has identified {tonnes} of {material} resources.",
    "The gigafactory will supply cells for about {count} electric vehicles a year.",
    "{company} cut its {material} purchase forecast by {pct} for {year}.",
    "Recycling plants in {place} recovered {tonnes} of black mass last year.",
    "{org} said new rules for battery passports would take effect in {year}.",
)

FILLER: tuple[str, ...] = (
    "The company did not respond to a request for comment.",
    "Demand for electric vehicles has slowed in several markets this year.",
    "Battery costs have fallen sharply over the past decade, helping carmakers cut prices.",
    "Executives said they remained confident about long-term growth.",
    "The announcement comes amid intense competition among cell manufacturers.",
    "Several automakers have scaled back their electrification targets.",
    "Investors have grown wary of overcapacity in the battery sector.",
    "Supply chains for critical minerals remain concentrated in a handful of countries.",
    "The decision was welcomed by local officials and industry groups.",
    "Charging infrastructure is expanding, though unevenly across regions.",
    "Higher interest rates have weighed on financing for new plants.",
    "Cell chemistries continue to diversify as manufacturers chase lower costs.",
    "Analysts said the outlook for the rest of the year remained uncertain.",
    "The plant will use renewable power to reduce the carbon footprint of its cells.",
    "Grid-scale storage has become one of the fastest-growing markets for batteries.",
    "Solid-state batteries remain several years away from mass production.",
    "Government incentives have played a large role in attracting investment.",
    "Mining companies have delayed projects as prices dropped.",
    "Automakers are seeking to secure raw materials directly from miners.",
    "The market has been volatile since the start of the pandemic.",
)

SOURCES: tuple[str, ...] = (
    "Reuters", "Bloomberg", "Electrek", "CnEVPost", "Benchmark Source", "Financial Times",
    "Nikkei Asia", "Mining.com", "InsideEVs", "Energy-Storage.news", "Fastmarkets",
    "Automotive News", "The Korea Herald", "Caixin Global", "Argus Media",
)  # fmt: skip

AUTHORS: tuple[str, ...] = (
    "Anna Keller", "Wei Zhang", "Sofia Martins", "Daniel Okafor", "Hiroshi Tanaka",
    "Laura Bennett", "Min-jun Park", "Priya Raman", "Tomás García", "Elena Novak",
    "James Whitfield", "Chen Li", "Marta Kowalska", "Oliver Grant", "Aisha Bello",
)  # fmt: skip

SECTIONS: tuple[str, ...] = (
    "Markets", "Supply chain", "Policy", "Technology", "Companies", "Energy storage",
)

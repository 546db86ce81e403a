"""Scene templates for the local writer: the beats of a short story, a few wordings of each.

A template is a list of lines: ("A", text) is action, ("H" | "F" | name, note, text) is
dialogue by the hero, the friend or a named bit part. Text is a `str.format` template over
the story's fields (see `story.StoryFields`).
"""

from __future__ import annotations

Line = tuple[str, ...]
Template = tuple[Line, ...]

SETUP: tuple[Template, ...] = (
    (
        ("A", "{atmosphere}"),
        ("A", "{hero_intro} {habit}."),
        ("A", "{friend_intro} has been watching for a while."),
        ("F", "", "You never leave {place}, do you?"),
        ("H", "", "Somebody has to keep an eye on things."),
        ("F", "", "Somebody. Not always you."),
        ("H", "not looking up", "Always me."),
    ),
    (
        ("A", "{atmosphere}"),
        (
            "A",
            "{hero_intro} {habit}. Tucked in a pocket, a faded photograph: {hero} and {friend}, years ago, laughing.",
        ),
        ("A", "{friend_intro} arrives with two coffees and no invitation."),
        ("F", "", "You look like you haven't slept."),
        ("H", "", "I sleep. Just not when I'm supposed to."),
        ("F", "", "Is that supposed to be a joke?"),
        ("H", "", "It's supposed to be an answer."),
    ),
    (
        ("A", "{atmosphere}"),
        ("A", "{hero_intro} {habit}."),
        ("H", "to no one", "Same as yesterday. Same as tomorrow."),
        ("A", "Footsteps. {friend_intro} arrives, shaking off the cold."),
        ("F", "", "I brought what you asked for. And questions."),
        ("H", "", "Keep the questions. For now."),
    ),
)

INCIDENT: tuple[Template, ...] = (
    (
        ("A", "{atmosphere}"),
        ("A", "{incident}"),
        ("A", "{hero} doesn't move for a long moment. Then laughs, once, without humour."),
        ("F", "", "Tell me this isn't about {stake}."),
        ("H", "", "I wish I could."),
        ("F", "", "Then what do we do?"),
        ("H", "quietly", "We find out why. Now."),
    ),
    (
        ("A", "{atmosphere}"),
        ("A", "{incident}"),
        ("H", "", "No. No, no, no."),
        ("F", "off", "{hero}? Everything all right?"),
        ("A", "{friend} appears, sees {hero}'s face, and sits down."),
        ("F", "", "Start from the beginning."),
        ("H", "", "That's the problem. I don't know where it begins."),
    ),
    (
        ("A", "{atmosphere}"),
        ("A", "{incident}"),
        ("A", "The world narrows to this one moment."),
        ("H", "", "{friend}. Come here. Now."),
        ("F", "", "What did you do?"),
        ("H", "", "Nothing. It found me. It's {stake}."),
    ),
)

COMPLICATION: tuple[Template, ...] = (
    (
        ("A", "{atmosphere}"),
        ("A", "{hero} and {friend} move through {place}, looking for anything that makes sense of {stake}."),
        ("F", "", "We've been at this for hours."),
        ("H", "", "Then a few more won't kill us."),
        ("A", "{friend} stops at something half-hidden and holds it up to the light."),
        ("F", "", "Tell me you've seen this before."),
        ("H", "quietly", "Once. A long time ago."),
    ),
    (
        ("A", "{atmosphere}"),
        ("A", "{friend} paces. {hero} sits with arms folded."),
        ("F", "", "You're not telling me everything."),
        ("H", "", "I'm telling you what I can."),
        ("F", "", "That's not the same thing, and you know it."),
        ("A", "Silence. Beyond {place}, the world goes on without them."),
        ("H", "", "If I'm wrong about {stake}, I lose everything."),
        ("F", "", "And if you're right?"),
        ("H", "", "Then I lose it anyway."),
    ),
    (
        ("A", "{atmosphere}"),
        ("A", "A STRANGER watches {hero} from across {place}, then walks over."),
        ("STRANGER", "", "You're the one asking about {stake}."),
        ("H", "", "Who wants to know?"),
        ("STRANGER", "", "People who'd rather you stopped."),
        ("A", "The stranger leaves as quietly as they came. {friend} lets out a breath."),
        ("F", "", "Well. That's new."),
    ),
    (
        ("A", "{atmosphere}"),
        ("A", "{hero} sits alone in {place}. For the first time, the weight of it lands."),
        ("H", "under the breath", "{echo}"),
        ("A", "{friend} sits down beside {hero} without a word. After a while:"),
        ("F", "", "You don't have to carry all of it."),
        ("H", "", "Yes, I do. That's the whole point."),
    ),
    (
        ("A", "{atmosphere}"),
        ("A", "{place_cap} has been turned upside down. Drawers out, papers everywhere. Someone got here first."),
        ("F", "", "They knew we were coming."),
        ("H", "", "Then they know what {stake} means."),
        ("F", "", "Do we?"),
        ("A", "{hero} picks through the mess and finds the one thing the intruders missed."),
        ("H", "", "We do now."),
    ),
)

CLIMAX: tuple[Template, ...] = (
    (
        ("A", "{atmosphere}"),
        ("A", "This is where it ends. {hero} steps forward; {friend} stays close behind."),
        ("H", "", "I've spent too long afraid of {stake}."),
        ("F", "", "{hero}, wait—"),
        ("H", "", "No more waiting."),
        (
            "A",
            "{hero} makes the choice that has been waiting since the beginning. For one long second, nothing happens.",
        ),
        ("A", "Then everything does."),
    ),
    (
        ("A", "{atmosphere}"),
        ("A", "Noise, and the feeling of the ground shifting. {hero} and {friend} face what they came for."),
        ("F", "shouting", "We can still walk away!"),
        ("H", "", "You can. I can't. Not from {stake}."),
        ("A", "{hero} reaches out. {friend} grabs {hero}'s arm, then lets go."),
        ("F", "", "Then go. Finish it."),
    ),
)

RESOLUTION: tuple[Template, ...] = (
    (
        ("A", "{atmosphere}"),
        ("A", "Quiet, at last. {hero} and {friend} sit side by side, exhausted, watching the light change."),
        ("F", "", "So. Was it worth it?"),
        ("A", "{hero} thinks about {stake}, and about everything that followed."),
        ("H", "", "Ask me tomorrow."),
        ("F", "", "And today?"),
        ("H", "a small smile", "Today, yes."),
    ),
    (
        ("A", "{atmosphere}"),
        ("A", "{place_cap} looks the same as it did at the beginning. {hero} does not."),
        ("F", "", "What now?"),
        ("H", "", "Now we live with it. Both of us."),
        ("A", "{hero} takes one last look around, and walks on into the new day."),
    ),
)

HABITS = (
    "moves through a routine worn smooth by years",
    "checks everything twice and trusts nothing once",
    "keeps busy so there is no time to think",
    "works in silence, precise and unhurried",
    "is halfway through a chore and already somewhere else",
)

ATMOSPHERE = {
    ("INT", "NIGHT"): (
        "A single lamp holds back the dark.",
        "The hum of a refrigerator. A clock that runs two minutes fast.",
    ),
    ("EXT", "NIGHT"): (
        "Wind and darkness. Far off, a light blinks on and off.",
        "A cold, clear night. Breath hangs in the air.",
    ),
    ("INT", "DAY"): (
        "Sunlight through dusty glass. Everything in its place.",
        "Daylight, flat and honest, across a cluttered room.",
    ),
    ("EXT", "DAY"): (
        "Hard, bright daylight. People going about their business.",
        "A blustery day, clouds racing overhead.",
    ),
    ("INT", "DAWN"): ("Grey first light creeps across the floor.",),
    ("EXT", "DAWN"): ("The sky pales at the edges. Birds start up, one by one.",),
    ("INT", "DUSK"): ("The last orange light slides down the walls.",),
    ("EXT", "DUSK"): ("The sun sinks; long shadows stretch toward the horizon.",),
    ("INT", "MORNING"): ("Morning. A kettle ticks as it cools.",),
    ("EXT", "MORNING"): ("Morning mist lifts slowly off the ground.",),
    ("INT", "EVENING"): ("Evening. Lamps come on one by one.",),
    ("EXT", "EVENING"): ("Evening settles in, blue and quiet.",),
}

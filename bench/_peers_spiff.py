"""SpiffWorkflow as a contender of the peer benchmark: the five steps as a BPMN process of
five user tasks in sequence, one workflow per case, kept as the JSON of SpiffWorkflow's own
``BpmnWorkflowSerializer`` in a SQLite row beside the case's state.

Opening a case creates the workflow from the parsed process and completes its first user
task; each later step, in one ``BEGIN IMMEDIATE`` transaction, reads the case's JSON,
deserialises the workflow, completes the ready user task (which must be the step's), runs
the engine steps, serialises the workflow again and writes it with the new state and a log
row. The default serializer stores the process specification inside every workflow's JSON,
as SpiffWorkflow's documented round trip does.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from _peers_common import (
    APPLICANT_ID,
    APPLICANT_NAME,
    AT,
    COMPLETED,
    INSERT_LOG,
    LOG_DDL,
    OPEN_ACTOR,
    PLAIN_CHECK,
    TARGET,
    TRANSITIONS,
    Peer,
    case_number,
    connect,
    read_pragmas,
)
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser import BpmnParser
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.util.task import TaskState

PROCESS_ID = "application"

# start -> open -> accept -> approve -> pay -> complete -> end; a user task's id is the step.
BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    id="peers_application" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="application" name="An application through its stages" isExecutable="true">
    <bpmn:startEvent id="received"/>
    <bpmn:userTask id="open" name="Register the application"/>
    <bpmn:userTask id="accept" name="Accept it for processing"/>
    <bpmn:userTask id="approve" name="Review and approve it"/>
    <bpmn:userTask id="pay" name="Pay the benefit"/>
    <bpmn:userTask id="complete" name="Close the case"/>
    <bpmn:endEvent id="closed"/>
    <bpmn:sequenceFlow id="to_open" sourceRef="received" targetRef="open"/>
    <bpmn:sequenceFlow id="to_accept" sourceRef="open" targetRef="accept"/>
    <bpmn:sequenceFlow id="to_approve" sourceRef="accept" targetRef="approve"/>
    <bpmn:sequenceFlow id="to_pay" sourceRef="approve" targetRef="pay"/>
    <bpmn:sequenceFlow id="to_complete" sourceRef="pay" targetRef="complete"/>
    <bpmn:sequenceFlow id="to_closed" sourceRef="complete" targetRef="closed"/>
  </bpmn:process>
</bpmn:definitions>
"""

CASES_DDL = (
    "CREATE TABLE cases (id INTEGER PRIMARY KEY, number TEXT NOT NULL,"
    " applicant_name TEXT NOT NULL, applicant_id TEXT NOT NULL, state TEXT NOT NULL,"
    " workflow TEXT NOT NULL)"
)


def process_spec() -> Any:
    """The parsed process, checked to be the five steps in order."""
    parser = BpmnParser()
    parser.add_bpmn_str(BPMN.encode())
    spec = parser.get_spec(PROCESS_ID)
    tasks = [name for name, _, _, _ in TRANSITIONS]
    assert all(name in spec.task_specs for name in tasks), sorted(spec.task_specs)
    return spec


class Spiff(Peer):
    """SpiffWorkflow's BPMN engine and serializer; raw sqlite3 for the rows."""

    label = "SpiffWorkflow BPMN"
    check = PLAIN_CHECK

    def prepare(self, path: str) -> None:
        self.spec = process_spec()
        self.serializer = BpmnWorkflowSerializer()
        self.conn = connect(path)
        for ddl in (CASES_DDL, *LOG_DDL):
            self.conn.execute(ddl)

    def _complete(self, workflow: BpmnWorkflow, action: str, actor: str) -> str:
        """Completes the ready user task ``action`` and returns the case's new state."""
        task = workflow.get_next_task(state=TaskState.READY, manual=True)
        if task is None or task.task_spec.name != action:
            raise RuntimeError(f"{action}: the ready user task is {task and task.task_spec.name}")
        task.data["actor"] = actor
        task.run()
        workflow.do_engine_steps()
        return COMPLETED if workflow.is_completed() else TARGET[action]

    def open_case(self, seq: int) -> int:
        workflow = BpmnWorkflow(self.spec)
        workflow.do_engine_steps()
        state = self._complete(workflow, "open", OPEN_ACTOR)
        cur = self.conn.cursor()
        cur.execute("BEGIN IMMEDIATE")
        cur.execute(
            "INSERT INTO cases (number, applicant_name, applicant_id, state, workflow)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                case_number(seq),
                APPLICANT_NAME,
                APPLICANT_ID,
                state,
                self.serializer.serialize_json(workflow),
            ),
        )
        key = cur.lastrowid
        assert key is not None
        cur.execute(INSERT_LOG, (key, "open", OPEN_ACTOR, None, state, AT))
        cur.execute("COMMIT")
        return key

    def step(self, key: int, action: str, actor: str) -> None:
        cur = self.conn.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            source, data = cur.execute(
                "SELECT state, workflow FROM cases WHERE id = ?", (key,)
            ).fetchone()
            workflow = self.serializer.deserialize_json(data)
            state = self._complete(workflow, action, actor)
            cur.execute(
                "UPDATE cases SET state = ?, workflow = ? WHERE id = ?",
                (state, self.serializer.serialize_json(workflow), key),
            )
            cur.execute(INSERT_LOG, (key, action, actor, source, state, AT))
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        cur.execute("COMMIT")

    def problems(self, path: str) -> list[str]:
        """Every stored workflow, deserialised, must be a completed one."""
        conn = sqlite3.connect(path)
        try:
            rows = conn.execute("SELECT id, workflow FROM cases").fetchall()
        finally:
            conn.close()
        unfinished = [
            k for k, data in rows if not self.serializer.deserialize_json(data).is_completed()
        ]
        return [f"{len(unfinished)} stored workflows not completed"] if unfinished else []

    def pragmas(self) -> tuple[str, int]:
        return read_pragmas(self.conn)

    def close(self) -> None:
        self.conn.close()

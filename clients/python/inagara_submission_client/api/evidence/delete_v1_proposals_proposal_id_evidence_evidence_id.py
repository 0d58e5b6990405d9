from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.transition_problem import TransitionProblem
from ...types import Response


def _get_kwargs(
    proposal_id: str,
    evidence_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "delete",
        "url": "/v1/proposals/{proposal_id}/evidence/{evidence_id}".format(
            proposal_id=quote(str(proposal_id), safe=""),
            evidence_id=quote(str(evidence_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | Problem | TransitionProblem:
    if response.status_code == 204:
        response_204 = cast(Any, None)
        return response_204

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = TransitionProblem.from_dict(response.json())

        return response_409

    response_default = Problem.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Any | Problem | TransitionProblem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    proposal_id: str,
    evidence_id: str,
    *,
    client: AuthenticatedClient,
) -> Response[Any | Problem | TransitionProblem]:
    """Delete a file while the proposal is a draft or under revision.

    Args:
        proposal_id (str):
        evidence_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem | TransitionProblem]
    """

    kwargs = _get_kwargs(
        proposal_id=proposal_id,
        evidence_id=evidence_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    proposal_id: str,
    evidence_id: str,
    *,
    client: AuthenticatedClient,
) -> Any | Problem | TransitionProblem | None:
    """Delete a file while the proposal is a draft or under revision.

    Args:
        proposal_id (str):
        evidence_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem | TransitionProblem
    """

    return sync_detailed(
        proposal_id=proposal_id,
        evidence_id=evidence_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    proposal_id: str,
    evidence_id: str,
    *,
    client: AuthenticatedClient,
) -> Response[Any | Problem | TransitionProblem]:
    """Delete a file while the proposal is a draft or under revision.

    Args:
        proposal_id (str):
        evidence_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem | TransitionProblem]
    """

    kwargs = _get_kwargs(
        proposal_id=proposal_id,
        evidence_id=evidence_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    proposal_id: str,
    evidence_id: str,
    *,
    client: AuthenticatedClient,
) -> Any | Problem | TransitionProblem | None:
    """Delete a file while the proposal is a draft or under revision.

    Args:
        proposal_id (str):
        evidence_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem | TransitionProblem
    """

    return (
        await asyncio_detailed(
            proposal_id=proposal_id,
            evidence_id=evidence_id,
            client=client,
        )
    ).parsed

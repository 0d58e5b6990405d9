from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.proposal import Proposal
from ...models.transition_problem import TransitionProblem
from ...types import Response


def _get_kwargs(
    proposal_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/proposals/{proposal_id}/reopen".format(
            proposal_id=quote(str(proposal_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | Proposal | TransitionProblem:
    if response.status_code == 200:
        response_200 = Proposal.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

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
) -> Response[Problem | Proposal | TransitionProblem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    proposal_id: str,
    *,
    client: AuthenticatedClient,
) -> Response[Problem | Proposal | TransitionProblem]:
    """Reopen a withdrawn proposal while its cycle's submission window is open
    (`proposal.reopened`): the same id, versions and timeline, back in the status the
    withdrawal left; reviewers already assigned keep it and are not told again.

    Args:
        proposal_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Proposal | TransitionProblem]
    """

    kwargs = _get_kwargs(
        proposal_id=proposal_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    proposal_id: str,
    *,
    client: AuthenticatedClient,
) -> Problem | Proposal | TransitionProblem | None:
    """Reopen a withdrawn proposal while its cycle's submission window is open
    (`proposal.reopened`): the same id, versions and timeline, back in the status the
    withdrawal left; reviewers already assigned keep it and are not told again.

    Args:
        proposal_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Proposal | TransitionProblem
    """

    return sync_detailed(
        proposal_id=proposal_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    proposal_id: str,
    *,
    client: AuthenticatedClient,
) -> Response[Problem | Proposal | TransitionProblem]:
    """Reopen a withdrawn proposal while its cycle's submission window is open
    (`proposal.reopened`): the same id, versions and timeline, back in the status the
    withdrawal left; reviewers already assigned keep it and are not told again.

    Args:
        proposal_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Proposal | TransitionProblem]
    """

    kwargs = _get_kwargs(
        proposal_id=proposal_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    proposal_id: str,
    *,
    client: AuthenticatedClient,
) -> Problem | Proposal | TransitionProblem | None:
    """Reopen a withdrawn proposal while its cycle's submission window is open
    (`proposal.reopened`): the same id, versions and timeline, back in the status the
    withdrawal left; reviewers already assigned keep it and are not told again.

    Args:
        proposal_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Proposal | TransitionProblem
    """

    return (
        await asyncio_detailed(
            proposal_id=proposal_id,
            client=client,
        )
    ).parsed

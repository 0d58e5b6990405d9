from http import HTTPStatus
from typing import Any

import httpx

from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.proposal import Proposal
from ...models.proposal_write import ProposalWrite
from ...models.transition_problem import TransitionProblem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: ProposalWrite,
    draft: bool | Unset = False,
    idempotency_key: None | str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    params: dict[str, Any] = {}

    params["draft"] = draft

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/proposals",
        "params": params,
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | Proposal | TransitionProblem:
    if response.status_code == 201:
        response_201 = Proposal.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 409:
        response_409 = TransitionProblem.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

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
    *,
    client: AuthenticatedClient,
    body: ProposalWrite,
    draft: bool | Unset = False,
    idempotency_key: None | str | Unset = UNSET,
) -> Response[Problem | Proposal | TransitionProblem]:
    """Save a draft (`?draft=true`) or submit a proposal at once.

     Submitting is refused outside the cycle's submission window; a draft can be
    saved at any time. Without `cycle_id`, the one open cycle is chosen.

    Args:
        draft (bool | Unset):  Default: False.
        idempotency_key (None | str | Unset):
        body (ProposalWrite):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Proposal | TransitionProblem]
    """

    kwargs = _get_kwargs(
        body=body,
        draft=draft,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: ProposalWrite,
    draft: bool | Unset = False,
    idempotency_key: None | str | Unset = UNSET,
) -> Problem | Proposal | TransitionProblem | None:
    """Save a draft (`?draft=true`) or submit a proposal at once.

     Submitting is refused outside the cycle's submission window; a draft can be
    saved at any time. Without `cycle_id`, the one open cycle is chosen.

    Args:
        draft (bool | Unset):  Default: False.
        idempotency_key (None | str | Unset):
        body (ProposalWrite):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Proposal | TransitionProblem
    """

    return sync_detailed(
        client=client,
        body=body,
        draft=draft,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: ProposalWrite,
    draft: bool | Unset = False,
    idempotency_key: None | str | Unset = UNSET,
) -> Response[Problem | Proposal | TransitionProblem]:
    """Save a draft (`?draft=true`) or submit a proposal at once.

     Submitting is refused outside the cycle's submission window; a draft can be
    saved at any time. Without `cycle_id`, the one open cycle is chosen.

    Args:
        draft (bool | Unset):  Default: False.
        idempotency_key (None | str | Unset):
        body (ProposalWrite):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Proposal | TransitionProblem]
    """

    kwargs = _get_kwargs(
        body=body,
        draft=draft,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: ProposalWrite,
    draft: bool | Unset = False,
    idempotency_key: None | str | Unset = UNSET,
) -> Problem | Proposal | TransitionProblem | None:
    """Save a draft (`?draft=true`) or submit a proposal at once.

     Submitting is refused outside the cycle's submission window; a draft can be
    saved at any time. Without `cycle_id`, the one open cycle is chosen.

    Args:
        draft (bool | Unset):  Default: False.
        idempotency_key (None | str | Unset):
        body (ProposalWrite):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Proposal | TransitionProblem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            draft=draft,
            idempotency_key=idempotency_key,
        )
    ).parsed

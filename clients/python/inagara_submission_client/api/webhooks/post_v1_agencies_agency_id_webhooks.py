from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.transition_problem import TransitionProblem
from ...models.webhook_create import WebhookCreate
from ...models.webhook_created import WebhookCreated
from ...types import UNSET, Response, Unset


def _get_kwargs(
    agency_id: str,
    *,
    body: WebhookCreate,
    idempotency_key: None | str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/agencies/{agency_id}/webhooks".format(
            agency_id=quote(str(agency_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | TransitionProblem | WebhookCreated:
    if response.status_code == 201:
        response_201 = WebhookCreated.from_dict(response.json())

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

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

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
) -> Response[Problem | TransitionProblem | WebhookCreated]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    agency_id: str,
    *,
    client: AuthenticatedClient,
    body: WebhookCreate,
    idempotency_key: None | str | Unset = UNSET,
) -> Response[Problem | TransitionProblem | WebhookCreated]:
    """Register an endpoint. The signing secret is in this answer only; store it now.

    Args:
        agency_id (str):
        idempotency_key (None | str | Unset):
        body (WebhookCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TransitionProblem | WebhookCreated]
    """

    kwargs = _get_kwargs(
        agency_id=agency_id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    agency_id: str,
    *,
    client: AuthenticatedClient,
    body: WebhookCreate,
    idempotency_key: None | str | Unset = UNSET,
) -> Problem | TransitionProblem | WebhookCreated | None:
    """Register an endpoint. The signing secret is in this answer only; store it now.

    Args:
        agency_id (str):
        idempotency_key (None | str | Unset):
        body (WebhookCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TransitionProblem | WebhookCreated
    """

    return sync_detailed(
        agency_id=agency_id,
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    agency_id: str,
    *,
    client: AuthenticatedClient,
    body: WebhookCreate,
    idempotency_key: None | str | Unset = UNSET,
) -> Response[Problem | TransitionProblem | WebhookCreated]:
    """Register an endpoint. The signing secret is in this answer only; store it now.

    Args:
        agency_id (str):
        idempotency_key (None | str | Unset):
        body (WebhookCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TransitionProblem | WebhookCreated]
    """

    kwargs = _get_kwargs(
        agency_id=agency_id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    agency_id: str,
    *,
    client: AuthenticatedClient,
    body: WebhookCreate,
    idempotency_key: None | str | Unset = UNSET,
) -> Problem | TransitionProblem | WebhookCreated | None:
    """Register an endpoint. The signing secret is in this answer only; store it now.

    Args:
        agency_id (str):
        idempotency_key (None | str | Unset):
        body (WebhookCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TransitionProblem | WebhookCreated
    """

    return (
        await asyncio_detailed(
            agency_id=agency_id,
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
